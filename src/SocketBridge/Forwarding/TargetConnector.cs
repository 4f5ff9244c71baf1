using System.Net;
using System.Net.Sockets;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;

namespace SocketBridge.Forwarding;

/// <summary>Connects to a forward bridge's Target within ConnectTimeout, trying each resolved address in turn.</summary>
public static class TargetConnector
{
    private const int UnixSendBufferBytes = 1024 * 1024;

    /// <summary>The connected socket, or an exception whose message names the target and the reason.</summary>
    public static async Task<Socket> ConnectAsync(BridgeOptions bridge, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(bridge.ConnectTimeout);
        SocketException? last = null;
        foreach (EndPoint address in Addresses(bridge))
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, address.AddressFamily == AddressFamily.Unix ? ProtocolType.Unspecified : ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(address, timeout.Token).ConfigureAwait(false);
                if (socket.ProtocolType == ProtocolType.Tcp)
                {
                    socket.NoDelay = true;
                }
                else
                {
                    // A Unix stream socket holds only SO_SNDBUF of unread bytes (208 KiB by
                    // default), less than one 256 KiB splice: with more room the relay
                    // rarely finds the target full and falls back to copying (tcp->unix
                    // 9.7 -> 13-14 Gbit/s here). A limit, not an allocation: only bytes
                    // a slow backend has not read yet take kernel memory, up to 1 MiB
                    // (the kernel doubles it for bookkeeping) per connection.
                    socket.SendBufferSize = UnixSendBufferBytes;
                }

                return socket;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                socket.Dispose();
                throw new TargetUnreachableException($"{bridge.Target}: no answer within {bridge.ConnectTimeout}");
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw new TargetUnreachableException($"{bridge.Target}: {(last is null ? "no address" : ConnectFailure.Describe(bridge.Target!, last))}");
    }

    private static IEnumerable<EndPoint> Addresses(BridgeOptions bridge) => bridge.Target switch
    {
        UnixEndpoint unix => [new UnixDomainSocketEndPoint(unix.KernelPath)],
        _ => bridge.TargetAddresses,
    };
}
