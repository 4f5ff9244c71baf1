namespace SocketBridge.Configuration;

/// <summary>
/// Collects every configuration problem so all are reported at once: errors,
/// which refuse the configuration, and warnings, which do not.
/// </summary>
internal sealed class ErrorCollector
{
    private readonly List<ConfigurationError> _errors = [];
    private readonly List<ConfigurationWarning> _warnings = [];

    public IReadOnlyList<ConfigurationError> Errors => _errors;

    public IReadOnlyList<ConfigurationWarning> Warnings => _warnings;

    public bool HasErrors => _errors.Count > 0;

    public void Add(ConfigNode node, string message) => _errors.Add(new ConfigurationError(node.File, node.Path, message));

    public void Add(string file, string key, string message) => _errors.Add(new ConfigurationError(file, key, message));

    public void Warn(ConfigNode node, string message) => _warnings.Add(new ConfigurationWarning(node.File, node.Path, message));

    public void Warn(string file, string key, string message) => _warnings.Add(new ConfigurationWarning(file, key, message));
}
