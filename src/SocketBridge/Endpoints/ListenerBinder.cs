using System.Net;
using System.Net.Sockets;
using SocketBridge.Configuration;
using SocketBridge.Systemd;

namespace SocketBridge.Endpoints;

/// <summary>Creates the listening sockets of a bridge, following the safety rules of SPEC 8.</summary>
public static class ListenerBinder
{
    private const int SolSocket = 1;   // SOL_SOCKET (asm-generic/socket.h)
    private const int SoReuseAddr = 2; // SO_REUSEADDR

    /// <summary>
    /// Binds every endpoint of <paramref name="bridge"/>'s Listen, in order
    /// (see <see cref="Bind(BridgeOptions, ListenEndpoint, InheritedSockets)"/>);
    /// on failure none is left open.
    /// </summary>
    public static IReadOnlyList<BoundEndpoint> Bind(BridgeOptions bridge, InheritedSockets inherited)
    {
        var bound = new List<BoundEndpoint>();
        try
        {
            foreach (ListenEndpoint endpoint in bridge.Listen)
            {
                bound.Add(Bind(bridge, endpoint, inherited));
            }

            return bound;
        }
        catch
        {
            foreach (BoundEndpoint done in bound)
            {
                done.Dispose();
            }

            throw;
        }
    }

    /// <summary>
    /// Binds the sockets of one endpoint of <paramref name="bridge"/>, or
    /// adopts the one the service manager passed for it (by name for
    /// systemd:, by address and socket type for tcp:, udp: and the unix
    /// kinds), or opens its FIFO; on
    /// failure none is left open.
    /// </summary>
    public static BoundEndpoint Bind(BridgeOptions bridge, ListenEndpoint listen, InheritedSockets inherited)
    {
        var bound = new List<IListener>();
        try
        {
            switch (listen.Endpoint)
            {
                case InetEndpoint inet:
                    foreach (IPEndPoint address in listen.Addresses)
                    {
                        bound.Add(inherited.TakeByAddress(address, listen.SocketType) is { } passed
                            ? new BoundListener(passed.Socket, inet, inheritedName: passed.Name)
                            : BindInet(bridge, inet, address));
                    }

                    break;
                case UnixEndpoint unix:
                    bound.Add(inherited.TakeByPath(unix.Path, unix.Type) is { } socket
                        ? new BoundListener(socket.Socket, unix, inheritedName: socket.Name)
                        : UnixSocketBinder.Bind(bridge, unix));
                    break;
                case FifoEndpoint fifo:
                    bound.Add(FifoBinder.Bind(bridge, fifo));
                    break;
                case SystemdEndpoint systemd:
                    InheritedSocket named = inherited.TakeByName(systemd.Name) ?? throw new ListenException(
                        $"bridge {bridge.Name}: Listen: {systemd} was not passed by the service manager ("
                        + (inherited.All.Count == 0 ? "no sockets were passed: start the daemon through its .socket unit or systemd-socket-activate" : $"LISTEN_FDNAMES has {inherited.Names}")
                        + ")");
                    bound.Add(CheckPassedType(bridge, new BoundListener(named.Socket, systemd, inheritedName: named.Name)));
                    break;
                case LaunchdEndpoint launchd when OperatingSystem.IsMacOS():
                    try
                    {
                        foreach (Socket passed in Launchd.LaunchdSockets.Activate(launchd.Name))
                        {
                            bound.Add(CheckPassedType(bridge, new BoundListener(passed, launchd, inheritedName: launchd.Name)));
                        }
                    }
                    catch (Native.NativeCallException ex)
                    {
                        throw new ListenException($"bridge {bridge.Name}: Listen: {launchd}: {ex.Message}", ex);
                    }

                    break;
                default:
                    throw new ListenException($"bridge {bridge.Name}: cannot listen on {listen}: not supported on this system");
            }

            return new BoundEndpoint(listen, bound);
        }
        catch
        {
            foreach (IListener listener in bound)
            {
                listener.Dispose();
            }

            throw;
        }
    }

    /// <summary>
    /// A socket passed by name, whose type only now is known, gets the rules
    /// the configuration applies to the endpoints it can see: a datagram
    /// socket serves in handoff mode only, and a forward bridge relays
    /// stream to stream and seqpacket to seqpacket.
    /// </summary>
    private static BoundListener CheckPassedType(BridgeOptions bridge, BoundListener passed)
    {
        SocketType type = passed.Socket.SocketType;
        SocketType target = bridge.Target is UnixEndpoint unix ? unix.Type : SocketType.Stream;
        string? problem = type == SocketType.Dgram && bridge.Mode != BridgeMode.Handoff
            ? $"it is a datagram socket ({passed.Display}), which works in handoff mode only, not in {bridge.Mode.ToString().ToLowerInvariant()} mode (set \"Mode\": \"handoff\")"
            : bridge.Mode == BridgeMode.Forward && type != SocketType.Dgram && bridge.Target is not FifoEndpoint && type != target
            ? $"it is a {(type == SocketType.Seqpacket ? "seqpacket" : "stream")} socket ({passed.Display}), and Target {bridge.Target} a {(target == SocketType.Seqpacket ? "seqpacket socket" : "stream")}: a forward bridge relays stream to stream and seqpacket to seqpacket"
            : null;
        if (problem is not null)
        {
            passed.Dispose();
            throw new ListenException($"bridge {bridge.Name}: Listen: {passed.Endpoint}: {problem}");
        }

        return passed;
    }

    /// <summary>A TCP socket that listens, or a UDP socket bound and left to the handoff program.</summary>
    private static BoundListener BindInet(BridgeOptions bridge, InetEndpoint endpoint, IPEndPoint address)
    {
        bool datagram = endpoint is UdpEndpoint;
        var socket = datagram
            ? new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp)
            : new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // TCP: SO_REUSEADDR alone, so a restart can bind over connections still in
            // TIME_WAIT. Not .NET's ReuseAddress, which on Linux also sets
            // SO_REUSEPORT: a second instance would then share the port
            // silently instead of failing with "address in use". UDP has no
            // TIME_WAIT, and there SO_REUSEADDR would let two sockets that both
            // set it share the port silently: none.
            if (!datagram)
            {
                socket.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
            }
            if (address.AddressFamily == AddressFamily.InterNetworkV6)
            {
                // "*" is one dual-stack socket; a specific IPv6 address is IPv6 only.
                socket.DualMode = endpoint.IsAnyAddress;
            }

            socket.Bind(address);
            if (!datagram)
            {
                socket.Listen(bridge.Backlog);
            }

            return new BoundListener(socket, endpoint);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            string where = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address.Address}]:{address.Port}" : address.ToString();
            string reason = ex.SocketErrorCode == SocketError.AddressAlreadyInUse
                ? $"address in use: another socket listens on {where} (another process, another socketbridge, or on a reload a bridge of this one on an overlapping address)"
                : ex.Message;
            throw new ListenException($"bridge {bridge.Name}: cannot listen on {endpoint} ({where}): {reason}", ex);
        }
    }
}
