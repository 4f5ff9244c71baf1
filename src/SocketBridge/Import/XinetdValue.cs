namespace SocketBridge.Import;

/// <summary>
/// The value an xinetd service ends up with for one attribute, and the
/// line that set it last (<paramref name="FromDefaults"/>: a line of a
/// <c>defaults</c> section the service did not change).
/// </summary>
internal sealed record XinetdValue(string Name, IReadOnlyList<string> Values, XinetdAttribute Source, bool FromDefaults)
{
    public string Text => string.Join(' ', Values);

    public string? Single => Values.Count == 1 ? Values[0] : null;
}
