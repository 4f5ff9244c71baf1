namespace SocketBridge.Configuration;

/// <summary>The configuration was refused; carries every problem found, not just the first, and the warnings beside them.</summary>
internal sealed class ConfigurationException(IReadOnlyList<ConfigurationError> errors, IReadOnlyList<ConfigurationWarning>? warnings = null)
    : Exception($"{errors.Count} configuration error(s)")
{
    public IReadOnlyList<ConfigurationError> Errors { get; } = errors;

    public IReadOnlyList<ConfigurationWarning> Warnings { get; } = warnings ?? [];
}
