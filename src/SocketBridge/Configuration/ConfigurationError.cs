namespace SocketBridge.Configuration;

/// <summary>One problem with the configuration: the file, the key (as <c>Bridges:NAME:Key</c>) and what is wrong.</summary>
public sealed record ConfigurationError(string File, string Key, string Message)
{
    public override string ToString() => Key.Length == 0 ? $"{File}: {Message}" : $"{File}: {Key}: {Message}";
}
