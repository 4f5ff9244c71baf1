namespace SocketBridge.Configuration;

/// <summary>Collects every configuration problem so all are reported at once.</summary>
public sealed class ErrorCollector
{
    private readonly List<ConfigurationError> _errors = [];

    public IReadOnlyList<ConfigurationError> Errors => _errors;

    public bool HasErrors => _errors.Count > 0;

    public void Add(ConfigNode node, string message) => _errors.Add(new ConfigurationError(node.File, node.Path, message));

    public void Add(string file, string key, string message) => _errors.Add(new ConfigurationError(file, key, message));
}
