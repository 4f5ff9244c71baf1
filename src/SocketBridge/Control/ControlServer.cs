using System.Buffers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SocketBridge.Bridges;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;
using SocketBridge.Logging;
using SocketBridge.Metrics;

namespace SocketBridge.Control;

/// <summary>
/// The control socket (SPEC 2, 3): a Unix socket at
/// <c>SocketBridge:ControlSocket</c>, mode 0600 and owned by the daemon's
/// user, answering <c>status</c> and <c>reload</c>. Bound before the bridges,
/// so it answers as soon as the daemon is ready. A control socket that
/// cannot be bound is a warning, not a reason to stop serving.
/// </summary>
internal sealed partial class ControlServer(
    SocketBridgeOptions options,
    IStatusSource source,
    IReloader reloader,
    IReexecutor reexecutor,
    InheritedSockets inherited,
    ControlListener published,
    LogCounters logCounters,
    DescriptorReserve descriptors,
    MetricsListeners metrics,
    ILogger<ControlServer> logger) : IHostedService, IDisposable
{
    private const uint Mode = 0x180; // 0600

    /// <summary>A directory made for the control socket is the daemon's alone.</summary>
    private const uint DirectoryMode = 0x1C0; // 0700
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);

    private readonly CancellationTokenSource _stopping = new();
    private BoundListener? _listener;
    private Task _accepting = Task.CompletedTask;
    private bool _short;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        string path = options.Daemon.ControlSocket;
        var endpoint = new UnixEndpoint(path);
        try
        {
            // Carried over by a re-exec: the same socket, with the clients waiting in its queue.
            _listener = inherited.TakeByPath(path) is { } carried
                ? new BoundListener(carried.Socket, endpoint, inherited.TakeCreated(path))
                : UnixSocketBinder.BindPath(endpoint, $"control socket: cannot listen on {path}", new SocketFileSettings(Mode, Uid: null, Gid: null, DirectoryMode), backlog: 64);
        }
        catch (ListenException ex)
        {
            LogUnavailable(logger, ex.Message);
            return Task.CompletedTask;
        }

        published.Set(_listener);
        _accepting = AcceptAsync(_listener.Socket, _stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener?.Close();
        await _accepting.ConfigureAwait(false);
        _listener?.Dispose();
    }

    public void Dispose()
    {
        // Disposed without StopAsync when the daemon could not start: the
        // accept loop must see that it is ending, not an accept failure.
        try
        {
            _stopping.Cancel();
        }
        catch (AggregateException)
        {
            // The accept's cancellation could not be queued (a start that failed
            // for want of descriptors cannot start a thread either): it ends with the process.
        }
        _listener?.Dispose();
        _stopping.Dispose();
    }

    private async Task AcceptAsync(Socket listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                break;
            }
            catch (SocketException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.TooManyOpenSockets)
            {
                // Even the daemon's reserve is spent: the client is told at
                // once (with the spare descriptor), and this is said once.
                (int shortage, bool refused) = descriptors.RefusePending(listener.SafeHandle);
                if (shortage != 0 && !_short)
                {
                    _short = true;
                    LogShort(logger, DescriptorReserve.Describe(shortage));
                }

                if (!refused && shortage != 0)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None).ConfigureAwait(false);
                }

                continue;
            }
            catch (SocketException ex)
            {
                LogAcceptFailed(logger, ex.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None).ConfigureAwait(false);
                continue;
            }

            if (!descriptors.FitsControl((int)client.Handle))
            {
                // The last descriptors are the runtime's: even root's idle clients do not get them.
                client.Dispose();
                if (!_short)
                {
                    _short = true;
                    LogShort(logger, $"the process's open-file limit ({descriptors.Limit}) is nearly reached, and its last {DescriptorReserve.RuntimeReserve} descriptors are the runtime's");
                }

                continue;
            }

            _short = false;
            _ = ServeAsync(client, cancellationToken);
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken cancellationToken)
    {
        using (client)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(RequestTimeout);
                string? request = await ReadLineAsync(client, timeout.Token).ConfigureAwait(false);
                byte[] answer = request switch
                {
                    ControlRequest.Status => JsonSerializer.SerializeToUtf8Bytes(Status(), ControlJsonContext.Default.StatusResponse),
                    // Off the socket event loop this continuation may run on: a
                    // reload that blocks must not stall the sockets that loop serves.
                    ControlRequest.Reload => JsonSerializer.SerializeToUtf8Bytes(
                        await Task.Run(() => reloader.ReloadAsync(cancellationToken), CancellationToken.None).ConfigureAwait(false),
                        ControlJsonContext.Default.ReloadResult),
                    // Answered by the new image on success; this one answers a refusal.
                    ControlRequest.Reexec => JsonSerializer.SerializeToUtf8Bytes(
                        await Task.Run(() => reexecutor.ReexecAsync(client, "socketbridge reexec", cancellationToken), CancellationToken.None).ConfigureAwait(false),
                        ControlJsonContext.Default.ReexecResult),
                    _ => Encoding.UTF8.GetBytes($"{{\"Error\": \"unknown request; send \\\"{ControlRequest.Status}\\\", \\\"{ControlRequest.Reload}\\\" or \\\"{ControlRequest.Reexec}\\\" and a newline\"}}"),
                };
                // A deadline of its own: a reload or a re-exec's check may take longer than the request's.
                using var sending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                sending.CancelAfter(RequestTimeout);
                await client.SendAsync(answer, SocketFlags.None, sending.Token).ConfigureAwait(false);
                client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // A client that went away or never said anything: nothing to answer.
            }
        }
    }

    private StatusResponse Status()
    {
        DaemonStatus daemon = source.Status();
        return new StatusResponse(
            BuildVersion.Current,
            Environment.ProcessId,
            daemon.Summary,
            daemon.Files,
            daemon.Bridges,
            logCounters.Status(),
            [.. metrics.Listeners.Select(l => l.Display)]);
    }

    /// <summary>One short line; null when the client sent something else.</summary>
    private static async Task<string?> ReadLineAsync(Socket client, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ControlRequest.MaxLength);
        try
        {
            int length = 0;
            while (length < ControlRequest.MaxLength)
            {
                int read = await client.ReceiveAsync(buffer.AsMemory(length, ControlRequest.MaxLength - length), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                int newline = Array.IndexOf(buffer, (byte)'\n', length, read);
                length += read;
                if (newline >= 0)
                {
                    return Encoding.ASCII.GetString(buffer, 0, newline).Trim();
                }
            }

            return length == 0 ? null : Encoding.ASCII.GetString(buffer, 0, length).Trim();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    [LoggerMessage(EventId = LogEventIds.ControlSocketUnavailable, Level = LogLevel.Warning, Message = "{Error}; socketbridge status and reload will not reach this daemon (SIGHUP still reloads)")]
    private static partial void LogUnavailable(ILogger logger, string error);

    [LoggerMessage(EventId = LogEventIds.ControlSocketShort, Level = LogLevel.Error, Message = "control socket: refusing requests: {Error}")]
    private static partial void LogShort(ILogger logger, string error);

    [LoggerMessage(EventId = LogEventIds.ControlAcceptFailed, Level = LogLevel.Error, Message = "control socket: accept failed: {Error}")]
    private static partial void LogAcceptFailed(ILogger logger, string error);
}
