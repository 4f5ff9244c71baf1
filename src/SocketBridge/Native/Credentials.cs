namespace SocketBridge.Native;

/// <summary>uid, gid and supplementary groups for a launched program (the User and Group keys, looked up in <see cref="Accounts"/>).</summary>
internal sealed record Credentials(uint Uid, uint Gid, uint[] Groups);
