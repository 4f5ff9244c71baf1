namespace SocketBridge.Import;

/// <summary>
/// One attribute line of an xinetd section (xinetd.conf(5)):
/// <c>NAME = VALUE...</c>, or <c>+=</c> / <c>-=</c> to add to or remove
/// from a list that <c>defaults</c> or an earlier line set.
/// </summary>
internal sealed record XinetdAttribute(string File, int Line, string Name, string Operator, IReadOnlyList<string> Values)
{
    /// <summary>The values as the file wrote them, for messages.</summary>
    public string Text => string.Join(' ', Values);
}
