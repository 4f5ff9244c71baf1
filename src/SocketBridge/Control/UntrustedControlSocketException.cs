namespace SocketBridge.Control;

/// <summary>
/// The process listening on the control socket is neither root nor the
/// user running the command, so it cannot be the daemon (SPEC 8): someone
/// may have put their own socket in its place. Nothing is sent to it.
/// </summary>
internal sealed class UntrustedControlSocketException(string path, uint peerUid, string? peerName, uint ownUid)
    : Exception($"{path} is served by uid {peerUid}{(peerName is null ? string.Empty : $" ({peerName})")}, neither root nor you (uid {ownUid}): not the daemon's control socket (was it replaced?); nothing was sent to it")
{
    public string Path { get; } = path;
}
