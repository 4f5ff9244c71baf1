using System.Net.Sockets;

namespace SocketBridge.Control;

/// <summary>What the control socket asks for <c>reexec</c> (the daemon's hosting does it, as for SIGUSR2).</summary>
internal interface IReexecutor
{
    /// <summary>
    /// Re-executes the daemon's program in this process. Returns only when
    /// that was refused (the daemon goes on as it was); otherwise the new
    /// image answers <paramref name="client"/> once it has taken over.
    /// </summary>
    Task<ReexecResult> ReexecAsync(Socket? client, string origin, CancellationToken cancellationToken);
}
