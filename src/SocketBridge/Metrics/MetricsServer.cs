using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SocketBridge.Endpoints;
using SocketBridge.Logging;

namespace SocketBridge.Metrics;

/// <summary>
/// The metrics endpoint (<c>SocketBridge:Metrics</c>): <c>GET /metrics</c>
/// over plain HTTP/1.1 on a <c>tcp:</c> or <c>unix:</c> endpoint, answered
/// with the <see cref="MetricsCollector"/>'s scrape. Bound before the
/// bridges; an endpoint that cannot be bound stops the start, as a bridge's
/// Listen does. A scraper is a client like any other: a request head of at
/// most 8 KiB within 10 s, at most 16 clients at once, a keep-alive
/// connection closed after 30 s idle or 1,000 requests. It serves on the
/// thread pool and never touches the bridges' accept or relay paths.
/// </summary>
internal sealed partial class MetricsServer(
    ListenEndpoint endpoint,
    MetricsCollector collector,
    InheritedSockets inherited,
    MetricsListeners published,
    ILogger<MetricsServer> logger) : IHostedService, IDisposable
{
    private const string Key = "SocketBridge:Metrics";
    private const string Path = "/metrics";
    private const int MaxHead = 8192;
    private const int MaxClients = 16;
    private const int MaxRequests = 1000;

    /// <summary>The socket file is no secret: a tcp: endpoint on the loopback is open to every local user too.</summary>
    private const uint FileMode = 0x1B6; // 0666
    private const uint DirectoryMode = 0x1ED; // 0755
    private static readonly TimeSpan HeadTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _accepting = [];
    private List<BoundListener> _listeners = [];
    private int _clients;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _listeners = Bind();
        published.Set(_listeners);
        foreach (BoundListener listener in _listeners)
        {
            LogServing(logger, $"http://{Authority(listener)}{Path}", listener.Display);
            _accepting.Add(AcceptAsync(listener.Socket, _stopping.Token));
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (BoundListener listener in _listeners)
        {
            listener.Close();
        }

        await Task.WhenAll(_accepting).ConfigureAwait(false);
        foreach (BoundListener listener in _listeners)
        {
            listener.Dispose();
        }
    }

    public void Dispose()
    {
        try
        {
            _stopping.Cancel();
        }
        catch (AggregateException)
        {
            // A start that failed for want of threads: it ends with the process.
        }

        foreach (BoundListener listener in _listeners)
        {
            listener.Dispose();
        }

        _stopping.Dispose();
    }

    /// <summary>The endpoint's sockets: carried over by a re-exec, or bound now.</summary>
    private List<BoundListener> Bind()
    {
        var bound = new List<BoundListener>();
        try
        {
            switch (endpoint.Endpoint)
            {
                case UnixEndpoint unix:
                    bound.Add(inherited.TakeByPath(unix.Path) is { } carried
                        ? new BoundListener(carried.Socket, unix, inherited.TakeCreated(unix.Path))
                        : UnixSocketBinder.BindPath(unix, $"{Key}: cannot listen on {unix}", new SocketFileSettings(FileMode, Uid: null, Gid: null, DirectoryMode), backlog: 64));
                    break;
                default:
                    foreach (IPEndPoint address in endpoint.Addresses)
                    {
                        bound.Add(inherited.TakeByAddress(address, SocketType.Stream, MetricsListeners.Owner) is { } passed
                            ? new BoundListener(passed.Socket, endpoint.Endpoint)
                            : BindTcp(address));
                    }

                    break;
            }

            return bound;
        }
        catch
        {
            foreach (BoundListener listener in bound)
            {
                listener.Dispose();
            }

            throw;
        }
    }

    private BoundListener BindTcp(IPEndPoint address)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }

            // A restart finds the port free even with connections of the last run in TIME_WAIT.
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(address);
            socket.Listen(64);
            return new BoundListener(socket, endpoint.Endpoint);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new ListenException($"{Key}: cannot listen on {BoundListener.InetDisplay(address, SocketType.Stream)}: {ex.Message}", ex);
        }
    }

    private static string Authority(BoundListener listener) => listener.LocalEndPoint switch
    {
        IPEndPoint { AddressFamily: AddressFamily.InterNetworkV6 } ip => $"[{ip.Address}]:{ip.Port}",
        IPEndPoint ip => $"{ip.Address}:{ip.Port}",
        _ => "localhost",
    };

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
            catch (SocketException ex)
            {
                // Out of descriptors or memory for the moment: the bridges come first; try again shortly.
                LogAcceptFailed(logger, ex.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None).ConfigureAwait(false);
                continue;
            }

            if (Interlocked.Increment(ref _clients) > MaxClients)
            {
                // More scrapers than any setup has: the ones already served come first.
                Interlocked.Decrement(ref _clients);
                client.Dispose();
                continue;
            }

            _ = ServeAsync(client, cancellationToken);
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(MaxHead);
        using var body = new ScrapeBuffer();
        try
        {
            using (client)
            {
                // The head and the body go out as two writes: without Nagle's
                // wait for the first one's acknowledgement.
                if (client.ProtocolType == ProtocolType.Tcp)
                {
                    client.NoDelay = true;
                }

                int filled = 0;
                for (int served = 0; served < MaxRequests; served++)
                {
                    using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    deadline.CancelAfter(served == 0 ? HeadTimeout : IdleTimeout);
                    int end;
                    while ((end = HeadEnd(buffer.AsSpan(0, filled))) < 0)
                    {
                        if (filled == MaxHead)
                        {
                            await SendAsync(client, HttpResponse.Error(431, "Request Header Fields Too Large", "the request head is over 8 KiB"), deadline.Token).ConfigureAwait(false);
                            return;
                        }

                        int read = await client.ReceiveAsync(buffer.AsMemory(filled, MaxHead - filled), SocketFlags.None, deadline.Token).ConfigureAwait(false);
                        if (read == 0)
                        {
                            return;
                        }

                        filled += read;
                    }

                    var request = HttpRequestHead.Parse(buffer.AsSpan(0, end));
                    bool keepAlive = request.KeepAlive && served + 1 < MaxRequests;
                    byte[]? refusal = request switch
                    {
                        { Valid: false } => HttpResponse.Error(400, "Bad Request", "not an HTTP/1.x request"),
                        { HasBody: true } => HttpResponse.Error(400, "Bad Request", "a scrape has no body"),
                        { Method: not ("GET" or "HEAD") } => HttpResponse.Error(405, "Method Not Allowed", "only GET and HEAD", "Allow: GET, HEAD\r\n"),
                        { Path: not Path } => HttpResponse.Error(404, "Not Found", $"the metrics are at {Path}"),
                        _ => null,
                    };
                    if (refusal is not null)
                    {
                        await SendAsync(client, refusal, deadline.Token).ConfigureAwait(false);
                        client.Shutdown(SocketShutdown.Send);
                        return;
                    }

                    body.Clear();
                    collector.Scrape(body);
                    byte[] head = HttpResponse.MetricsHead(body.Length, keepAlive);
                    await SendAsync(client, head, deadline.Token).ConfigureAwait(false);
                    if (request.Method != "HEAD")
                    {
                        await SendAsync(client, body.Written, deadline.Token).ConfigureAwait(false);
                    }

                    if (!keepAlive)
                    {
                        client.Shutdown(SocketShutdown.Send);
                        return;
                    }

                    // Whatever came after the head (a pipelined request) is the next one's start.
                    filled -= end;
                    buffer.AsSpan(end, filled).CopyTo(buffer);
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A scraper that went away, or said nothing in time: nothing to answer.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            Interlocked.Decrement(ref _clients);
        }
    }

    private static async Task SendAsync(Socket client, ReadOnlyMemory<byte> answer, CancellationToken cancellationToken)
    {
        int sent = 0;
        while (sent < answer.Length)
        {
            sent += await client.SendAsync(answer[sent..], SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The length of the head with its blank line, or -1 while it is incomplete.</summary>
    private static int HeadEnd(ReadOnlySpan<byte> received)
    {
        int at = received.IndexOf("\r\n\r\n"u8);
        if (at >= 0)
        {
            return at + 4;
        }

        // HTTP allows a bare LF as the line end; some clients send it.
        at = received.IndexOf("\n\n"u8);
        return at < 0 ? -1 : at + 2;
    }

    [LoggerMessage(EventId = LogEventIds.MetricsServing, Level = LogLevel.Information, Message = "metrics: Prometheus's text format at {Url} ({Endpoint})")]
    private static partial void LogServing(ILogger logger, string url, string endpoint);

    [LoggerMessage(EventId = LogEventIds.MetricsAcceptFailed, Level = LogLevel.Warning, Message = "metrics: accept failed: {Error}")]
    private static partial void LogAcceptFailed(ILogger logger, string error);
}
