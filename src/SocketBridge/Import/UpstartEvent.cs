namespace SocketBridge.Import;

/// <summary>One event of a <c>start on</c> condition, with its arguments as written (<c>KEY=VALUE</c>, <c>KEY!=VALUE</c> or a value).</summary>
internal sealed record UpstartEvent(string Name, IReadOnlyList<string> Arguments)
{
    public override string ToString() =>
        string.Join(' ', Arguments.Select(a => a.Any(char.IsWhiteSpace) ? $"\"{a}\"" : a).Prepend(Name));
}
