namespace SocketBridge.Configuration;

/// <summary>One problem with the configuration: the file, the key (as <c>Bridges:NAME:Key</c>) and what is wrong.</summary>
internal sealed record ConfigurationError(string File, string Key, string Message)
{
    /// <summary>The line as printed and logged: a name or value from the file never carries a control character into it.</summary>
    public override string ToString() => PrintableText.Escape(Key.Length == 0 ? $"{File}: {Message}" : $"{File}: {Key}: {Message}");
}
