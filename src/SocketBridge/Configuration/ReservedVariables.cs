using System.Collections.Frozen;

namespace SocketBridge.Configuration;

/// <summary>
/// The variables the daemon itself sets for a launched program (SPEC 5, and
/// FIFO_PATH for a FIFO session's: Processes/ChildEnvironment has the table);
/// configuration may not set them.
/// </summary>
internal static class ReservedVariables
{
    public static readonly FrozenSet<string> Names = new[]
    {
        "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES",
        "UPSTART_EVENTS", "UPSTART_FDS", "UPSTART_JOB",
        "PROTO", "PORT", "ADDR", "SOCKET_PATH",
        "REMOTE_ADDR", "REMOTE_PORT", "REMOTE_UID", "REMOTE_GID", "REMOTE_PID",
        "TCPREMOTEIP", "TCPREMOTEPORT", "TCPLOCALIP", "TCPLOCALPORT",
        "FIFO_PATH",
        "SOCKETBRIDGE_BRIDGE", "SOCKETBRIDGE_CONNECTION_ID",
    }.ToFrozenSet(StringComparer.Ordinal);
}
