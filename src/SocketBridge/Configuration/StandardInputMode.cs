namespace SocketBridge.Configuration;

/// <summary>A handoff program's stdin and stdout (the <c>StandardInput</c> key).</summary>
internal enum StandardInputMode
{
    /// <summary>stdin /dev/null, stdout to the log (as StandardError says).</summary>
    Null,

    /// <summary>
    /// The (first) listening socket on fds 0 and 1 as well as on fd 3, as
    /// inetd gives its <c>wait</c> services their socket (in.tftpd reads
    /// datagrams from fd 0), and as systemd's <c>StandardInput=socket</c>.
    /// </summary>
    Socket,
}
