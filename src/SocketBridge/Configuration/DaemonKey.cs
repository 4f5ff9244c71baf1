namespace SocketBridge.Configuration;

/// <summary>One key of the <c>SocketBridge</c> section (SPEC 3) and its documentation.</summary>
internal sealed record DaemonKey(string Name, KeyDocumentation Documentation);
