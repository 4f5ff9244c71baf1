using System.Net.Sockets;
using System.Runtime.InteropServices;
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
public sealed class SpawnMode : IConnectionHandler
{
    /// <summary>How long, after the program exits, its stderr may still be read before the end is logged.</summary>
    private static readonly TimeSpan StandardErrorGrace = TimeSpan.FromMilliseconds(500);

    private readonly BridgeOptions _bridge;
    private readonly ExecOptions _exec;
    private readonly ChildEnvironment _environment;
    private readonly ChildReaper _reaper;
    private readonly SafeFileHandle _devNull;
    private readonly ILogger _logger;

    public SpawnMode(BridgeOptions bridge, ChildReaper reaper, SafeFileHandle devNull, ILogger logger)
    {
        _bridge = bridge;
        _exec = bridge.Exec ?? throw new ArgumentException($"bridge {bridge.Name} has no Exec", nameof(bridge));
        _environment = new ChildEnvironment(bridge);
        _reaper = reaper;
        _devNull = devNull;
        _logger = logger;
    }

    public async Task ServeAsync(Connection connection, CancellationToken stop, CancellationToken kill)
    {
        using IDisposable? scope = _logger.BeginScope(new ConnectionScope(_bridge.Name, connection));
        Socket? stderr = null;
        ChildProcess child;
        try
        {
            child = Launch(connection, out stderr);
        }
        catch (Exception ex) when (ex is SpawnException or NativeCallException)
        {
            BridgeLog.SpawnFailed(_logger, _bridge.Name, connection.Id, connection.Peer.Display, _exec.Path, ex.Message);
            return;
        }
        finally
        {
            // The program has its copies; the daemon keeps none.
            connection.Dispose();
        }

        using (stderr)
        {
            Task forwarding = stderr is null
                ? Task.CompletedTask
                : StandardErrorForwarder.RunAsync(stderr, line => BridgeLog.ChildStandardError(_logger, _bridge.Name, connection.Id, child.Pid, line), CancellationToken.None);

            ChildExit exit;
            using (stop.Register(static c => ((ChildProcess)c!).Signal(Posix.SIGTERM), child))
            using (kill.Register(static c => ((ChildProcess)c!).Signal(Posix.SIGKILL), child))
            {
                exit = await child.Exited.ConfigureAwait(false);
            }

            // Let the last lines of stderr arrive first, unless a grandchild keeps it open.
            // (No timer when there is nothing to wait for: it would fire for nothing later.)
            if (!forwarding.IsCompleted)
            {
                await Task.WhenAny(forwarding, Task.Delay(StandardErrorGrace, CancellationToken.None)).ConfigureAwait(false);
            }

            if (exit.ExitStatus is { } status)
            {
                BridgeLog.ChildExited(_logger, _bridge.Name, connection.Id, connection.Peer.Display, child.Pid, status, connection.ElapsedMilliseconds);
            }
            else
            {
                BridgeLog.ChildKilled(_logger, _bridge.Name, connection.Id, connection.Peer.Display, child.Pid, exit.SignalName, connection.ElapsedMilliseconds);
            }
        }
    }

    private ChildProcess Launch(Connection connection, out Socket? stderrReader)
    {
        stderrReader = null;
        SafeSocketHandle? stderrWriter = null;
        SafeHandle stderrTarget = _bridge.StandardError switch
        {
            StandardErrorMode.Socket => connection.Socket.SafeHandle,
            StandardErrorMode.Null => _devNull,
            _ => OpenStandardErrorPair(connection.DescriptorCeiling, out stderrReader, out stderrWriter),
        };

        SafeSocketHandle socket = connection.Socket.SafeHandle;
        try
        {
            var spec = new SpawnSpec
            {
                Path = _exec.Path,
                Arguments = _exec.Arguments,
                Environment = _environment.For(connection),
                SetListenPid = true,
                WorkingDirectory = _bridge.WorkingDirectory,
                Credentials = _bridge.Credentials,
                NewSession = true,
            };
            return _reaper.Spawn(spec, [socket, socket, stderrTarget, socket]);
        }
        catch
        {
            stderrReader?.Dispose();
            stderrReader = null;
            throw;
        }
        finally
        {
            stderrWriter?.Dispose();
        }
    }

    private static SafeSocketHandle OpenStandardErrorPair(int ceiling, out Socket? reader, out SafeSocketHandle? writer)
    {
        (SafeSocketHandle readEnd, SafeSocketHandle writeEnd) = Posix.SocketPair();
        if (!Posix.IsNumberedBelow(readEnd, ceiling) || !Posix.IsNumberedBelow(writeEnd, ceiling))
        {
            readEnd.Dispose();
            writeEnd.Dispose();
            throw new DescriptorShortageException("none was left for the program's stderr");
        }

        reader = new Socket(readEnd);
        writer = writeEnd;
        return writeEnd;
    }
}
