using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;
using SocketBridge.Native;
using SocketBridge.Processes;

namespace SocketBridge.Bridges;

/// <summary>
/// inetd <c>nowait</c> (SPEC 5, spawn): each connection launches the program
/// with the connection socket itself on fds 0, 1 and 3, stderr as
/// StandardError says, in a new session, with exactly the SPEC's
/// environment. The connection lasts as long as the program.
/// </summary>
internal sealed class SpawnMode : IConnectionHandler
{
    private readonly string _name;
    private readonly bool _standardErrorToSocket;
    private readonly ChildEnvironment _environment;
    private readonly ProgramLauncher _launcher;
    private readonly ILogger _logger;

    public SpawnMode(BridgeOptions bridge, ProgramOptions program, ChildReaper reaper, SafeFileHandle devNull, ILogger logger)
    {
        _name = bridge.Name;
        ExecOptions exec = program.Exec;
        _standardErrorToSocket = program.StandardError == StandardErrorMode.Socket;
        _environment = ChildEnvironment.ForConnection(bridge.Name, program.Environment);
        _launcher = new ProgramLauncher(reaper, devNull, exec, program.WorkingDirectory, program.Credentials, program.StandardError, setListenPid: true);
        _logger = logger;
    }

    public async Task ServeAsync(Connection connection, CancellationToken stop, CancellationToken kill)
    {
        using IDisposable? scope = _logger.BeginScope(new ConnectionScope(_name, connection));
        ProgramRun run;
        try
        {
            // The connection socket itself on fds 0, 1 and 3 (and 2 with StandardError socket).
            SafeSocketHandle socket = connection.Socket.SafeHandle;
            run = _launcher.Start(
                _environment.For(connection),
                (pid, line) => BridgeLog.ChildStandardError(_logger, _name, connection.Id, pid, line),
                input: socket,
                output: socket,
                error: _standardErrorToSocket ? socket : null,
                passed: [socket],
                descriptorCeiling: connection.DescriptorCeiling,
                handOver: connection); // The program has its copies; the daemon keeps none.
        }
        catch (Exception ex) when (ex is SpawnException or NativeCallException)
        {
            BridgeLog.SpawnFailed(_logger, _name, connection.Id, connection.Peer.Display, _launcher.Exec.Path, ex.Message);
            return;
        }

        using (run)
        {
            ChildExit exit = await run.WaitAsync(stop, kill).ConfigureAwait(false);
            if (exit.ExitStatus is { } status)
            {
                BridgeLog.ChildExited(_logger, _name, connection.Id, connection.Peer.Display, run.Pid, status, connection.ElapsedMilliseconds);
            }
            else
            {
                BridgeLog.ChildKilled(_logger, _name, connection.Id, connection.Peer.Display, run.Pid, exit.SignalName, connection.ElapsedMilliseconds);
            }
        }
    }
}
