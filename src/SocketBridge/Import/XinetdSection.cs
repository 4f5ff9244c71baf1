namespace SocketBridge.Import;

/// <summary>A <c>service NAME { ... }</c> or <c>defaults { ... }</c> section of an xinetd file, its attributes in order.</summary>
internal sealed record XinetdSection(string File, int Line, string Name, bool IsDefaults, IReadOnlyList<XinetdAttribute> Attributes);
