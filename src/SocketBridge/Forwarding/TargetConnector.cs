using System.Net;
using System.Net.Sockets;
using SocketBridge.Endpoints;

namespace SocketBridge.Forwarding;

/// <summary>Connects to a forward bridge's Target within ConnectTimeout, trying each resolved address in turn.</summary>
internal static class TargetConnector
{
    /// <summary>
    /// The socket connected to <paramref name="target"/> (for a TCP target,
    /// to the first of its <paramref name="addresses"/>, resolved at load,
    /// that accepts) within <paramref name="connectTimeout"/>, or an exception
    /// whose message names the target and the reason.
    /// </summary>
    public static async Task<Socket> ConnectAsync(Endpoint target, IReadOnlyList<IPEndPoint> addresses, TimeSpan connectTimeout, RelayEngine engine, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(connectTimeout);
        SocketException? last = null;
        foreach (EndPoint address in Addresses(target, addresses))
        {
            try
            {
                Socket socket = await engine.ConnectAsync(address, Type(target), timeout.Token).ConfigureAwait(false);
                try
                {
                    Tune(socket);
                    return socket;
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TargetUnreachableException($"{target}: no answer within {connectTimeout}");
            }
            catch (SocketException ex)
            {
                last = ex;
            }
        }

        throw new TargetUnreachableException($"{target}: {(last is null ? "no address" : ConnectFailure.Describe(target, last))}");
    }

    private static void Tune(Socket socket)
    {
        if (socket.ProtocolType == ProtocolType.Tcp)
        {
            socket.NoDelay = true;
        }
    }

    /// <summary>A unix-seqpacket Target's socket keeps message boundaries; the others are streams.</summary>
    private static SocketType Type(Endpoint target) => target is UnixEndpoint unix ? unix.Type : SocketType.Stream;

    private static IEnumerable<EndPoint> Addresses(Endpoint target, IReadOnlyList<IPEndPoint> addresses) => target switch
    {
        UnixEndpoint unix => [new UnixDomainSocketEndPoint(unix.KernelPath)],
        _ => addresses,
    };
}
