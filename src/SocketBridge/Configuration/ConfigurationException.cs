namespace SocketBridge.Configuration;

/// <summary>The configuration was refused; carries every problem found, not just the first.</summary>
public sealed class ConfigurationException(IReadOnlyList<ConfigurationError> errors)
    : Exception($"{errors.Count} configuration error(s)")
{
    public IReadOnlyList<ConfigurationError> Errors { get; } = errors;
}
