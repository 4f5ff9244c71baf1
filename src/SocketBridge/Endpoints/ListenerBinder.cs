using System.Net;
using System.Net.Sockets;

namespace SocketBridge.Endpoints;

/// <summary>Creates the listening sockets of a bridge, following the safety rules of SPEC 8.</summary>
internal static class ListenerBinder
{
    /// <summary>
    /// Binds every endpoint of a bridge's Listen, in order
    /// (see <see cref="Bind(ListenEndpoint, ListenSettings, InheritedSockets)"/>);
    /// on failure none is left open.
    /// </summary>
    public static IReadOnlyList<BoundEndpoint> Bind(IReadOnlyList<ListenEndpoint> endpoints, ListenSettings settings, InheritedSockets inherited)
    {
        var bound = new List<BoundEndpoint>();
        try
        {
            foreach (ListenEndpoint endpoint in endpoints)
            {
                bound.Add(Bind(endpoint, settings, inherited));
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
    /// Binds the sockets of one endpoint of a bridge, or
    /// adopts the one the service manager passed for it (by name for
    /// systemd:, by address and socket type for tcp:, udp: and the unix
    /// kinds), or opens its FIFO; on failure none is left open.
    /// </summary>
    public static BoundEndpoint Bind(ListenEndpoint listen, ListenSettings settings, InheritedSockets inherited)
    {
        var bound = new List<IListener>();
        try
        {
            switch (listen.Endpoint)
            {
                case InetEndpoint inet:
                    foreach (IPEndPoint address in listen.Addresses)
                    {
                        bound.Add(inherited.TakeByAddress(address, listen.SocketType, settings.Bridge) is { } passed
                            ? Adopt(settings, listen, passed)
                            : BindInet(settings, listen, inet, address));
                    }

                    break;
                case UnixEndpoint unix:
                    bound.Add(inherited.TakeByPath(unix.Path, unix.Type) is { } socket
                        ? Adopt(settings, listen, socket, inherited.TakeCreated(unix.Path))
                        : UnixSocketBinder.Bind(unix, listen.Options, settings));
                    break;
                case FifoEndpoint fifo:
                    bound.Add(inherited.TakeFifo(fifo.Path) is { } carried
                        ? new FifoListener(fifo, carried.Reader, carried.Writer, inherited.TakeCreated(fifo.Path))
                        : FifoBinder.Bind(fifo, settings));
                    break;
                case SystemdEndpoint systemd:
                    InheritedSocket named = inherited.TakeByName(systemd.Name) ?? throw new ListenException(
                        $"bridge {settings.Bridge}: Listen: {systemd} was not passed by the service manager ("
                        + (inherited.All.Count == 0 ? "no sockets were passed: start the daemon through its .socket unit or systemd-socket-activate" : $"LISTEN_FDNAMES has {inherited.Names}")
                        + ")");
                    bound.Add(CheckPassedType(settings, Adopt(settings, listen, named)));
                    break;
                case LaunchdEndpoint launchd when OperatingSystem.IsMacOS():
                    try
                    {
                        foreach (Socket passed in Native.LaunchdSockets.Activate(launchd.Name))
                        {
                            bound.Add(new BoundListener(passed, launchd, inheritedName: launchd.Name));
                        }
                    }
                    catch (Native.NativeCallException ex)
                    {
                        throw new ListenException($"bridge {settings.Bridge}: Listen: {launchd}: {ex.Message}", ex);
                    }

                    break;
                default:
                    throw new ListenException($"bridge {settings.Bridge}: cannot listen on {listen}: not supported on this system");
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
    /// A socket the service manager passed for <paramref name="listen"/>:
    /// it was bound there, so it gets only the options that can be set on a
    /// bound socket (<see cref="SocketOptionsApplier.ToPassed"/>).
    /// </summary>
    private static BoundListener Adopt(ListenSettings settings, ListenEndpoint listen, InheritedSocket passed, CreatedNode? created = null)
    {
        try
        {
            IReadOnlyList<string> notes = SocketOptionsApplier.ToPassed(passed.Socket, listen.Options);
            // A socket the daemon's previous image bound itself (a re-exec) comes without a name.
            return new BoundListener(passed.Socket, listen.Endpoint, created, inheritedName: passed.Name.Length == 0 ? null : passed.Name) { Notes = notes };
        }
        catch (SocketOptionException ex)
        {
            passed.Socket.Dispose();
            throw new ListenException($"bridge {settings.Bridge}: cannot listen on {listen} (the socket passed as {passed.Name}): {ex.Message}", ex);
        }
    }

    /// <summary>
    /// A socket passed by name, whose type only now is known, gets the rules
    /// the configuration applies to the endpoints it can see (<see cref="PassedSocketRule"/>).
    /// </summary>
    private static BoundListener CheckPassedType(ListenSettings settings, BoundListener passed)
    {
        string? problem = settings.PassedSockets.Problem(passed.Socket.SocketType, passed.Display);
        if (problem is not null)
        {
            passed.Dispose();
            throw new ListenException($"bridge {settings.Bridge}: Listen: {passed.Endpoint}: {problem}");
        }

        return passed;
    }

    /// <summary>A TCP socket that listens, or a UDP socket bound and left to the handoff program.</summary>
    private static BoundListener BindInet(ListenSettings settings, ListenEndpoint listen, InetEndpoint endpoint, IPEndPoint address)
    {
        bool datagram = endpoint is UdpEndpoint;
        var socket = datagram
            ? new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp)
            : new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        string where = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address.Address}]:{address.Port}" : address.ToString();
        try
        {
            // SO_REUSEADDR on TCP only (never SO_REUSEPORT unless ReusePort
            // asks for it: a second instance must fail with "address in use"
            // rather than share the port silently; on UDP SO_REUSEADDR itself
            // would share it), IPV6_V6ONLY, then the bridge's options.
            IReadOnlyList<string> notes = SocketOptionsApplier.BeforeBind(socket, listen.Options, listen.DualStack);
            socket.Bind(address);
            if (!datagram)
            {
                socket.Listen(settings.Backlog);
            }

            return new BoundListener(socket, endpoint) { Notes = notes };
        }
        catch (SocketOptionException ex)
        {
            socket.Dispose();
            throw new ListenException($"bridge {settings.Bridge}: cannot listen on {endpoint} ({where}): {ex.Message}", ex);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            string reason = ex.SocketErrorCode switch
            {
                SocketError.AddressAlreadyInUse => $"address in use: another socket {(datagram ? "is bound to" : "listens on")} {where} (another process, another socketbridge, or on a reload a bridge of this one on an overlapping address)"
                    + (listen.Options.ReusePort ? "; with ReusePort, the port is shared only with sockets that have SO_REUSEPORT too, of the same user" : string.Empty),
                SocketError.AddressNotAvailable when !listen.Options.FreeBind => $"{ex.Message}: the machine has no address {address.Address} (FreeBind lets a bridge listen on one it does not have yet)",
                _ => ex.Message,
            };
            throw new ListenException($"bridge {settings.Bridge}: cannot listen on {endpoint} ({where}): {reason}", ex);
        }
    }
}
