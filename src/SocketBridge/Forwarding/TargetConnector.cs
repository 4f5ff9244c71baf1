using System.Net;
using System.Net.Sockets;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;

namespace SocketBridge.Forwarding;

/// <summary>Connects to a forward bridge's Target within ConnectTimeout, trying each resolved address in turn.</summary>
public static class TargetConnector
{
    /// <summary>The connected socket, or an exception whose message names the target and the reason.</summary>
    public static async Task<Socket> ConnectAsync(ForwardOptions bridge, RelayEngine engine, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(bridge.ConnectTimeout);
        SocketException? last = null;
        foreach (EndPoint address in Addresses(bridge))
        {
            try
            {
                Socket socket = await engine.ConnectAsync(address, Type(bridge), timeout.Token).ConfigureAwait(false);
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
                throw new TargetUnreachableException($"{bridge.Target}: no answer within {bridge.ConnectTimeout}");
            }
            catch (SocketException ex)
            {
                last = ex;
            }
        }

        throw new TargetUnreachableException($"{bridge.Target}: {(last is null ? "no address" : ConnectFailure.Describe(bridge.Target, last))}");
    }

    private static void Tune(Socket socket)
    {
        if (socket.ProtocolType == ProtocolType.Tcp)
        {
            socket.NoDelay = true;
        }
    }

    /// <summary>A unix-seqpacket Target's socket keeps message boundaries; the others are streams.</summary>
    private static SocketType Type(ForwardOptions bridge) => bridge.Target is UnixEndpoint unix ? unix.Type : SocketType.Stream;

    private static IEnumerable<EndPoint> Addresses(ForwardOptions bridge) => bridge.Target switch
    {
        UnixEndpoint unix => [new UnixDomainSocketEndPoint(unix.KernelPath)],
        _ => bridge.TargetAddresses,
    };
}
