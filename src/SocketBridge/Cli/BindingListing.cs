using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;
using SocketBridge.Native;

namespace SocketBridge.Cli;

/// <summary>
/// What <c>check</c> says a bridge will bind (issue 15, section 6): one line
/// per socket, with the address the kernel will see (every address a host
/// name resolved to, <c>[::]</c> for <c>*</c>), its family and type, the
/// backlog, the socket file's mode and owner, and the socket options that
/// apply to it, so an administrator sees what the daemon would do before it
/// does it.
/// </summary>
internal static class BindingListing
{
    public static IEnumerable<string> Lines(BridgeOptions bridge)
    {
        foreach (ListenEndpoint listen in bridge.Listen.Endpoints)
        {
            string options = listen.Options.ToString();
            string suffix = options.Length == 0 ? string.Empty : $"; {options}";
            switch (listen.Endpoint)
            {
                case InetEndpoint:
                    foreach (IPEndPoint address in listen.Addresses)
                    {
                        yield return $"{listen}: {Address(address)}, {Shape(address, listen)}{Backlog(bridge, listen)}{suffix}";
                    }

                    break;
                case UnixEndpoint { IsAbstract: true } unix:
                    yield return $"{listen}: {Kind(unix.Type)} in the abstract namespace (no file, no permissions){Backlog(bridge, listen)}{suffix}";
                    break;
                case UnixEndpoint unix:
                    yield return $"{listen}: {Kind(unix.Type)} file {FileSettings(bridge)}{Backlog(bridge, listen)}{suffix}";
                    break;
                case FifoEndpoint:
                    yield return $"{listen}: FIFO {FileSettings(bridge)}";
                    break;
                default:
                    yield return $"{listen}: passed by the service manager, as it bound it{(options.Length == 0 ? string.Empty : $"; at start: {options}")}";
                    break;
            }
        }
    }

    private static string Address(IPEndPoint address)
    {
        string text = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address.Address}]:{address.Port}" : address.ToString();

        // check binds nothing, so there is no port yet to show.
        return address.Port == 0 ? $"{text} (port chosen by the kernel at start)" : text;
    }

    private static string Shape(IPEndPoint address, ListenEndpoint listen)
    {
        string protocol = listen.SocketType == SocketType.Dgram ? "UDP" : "TCP";
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return $"{protocol}/IPv4";
        }

        return listen.DualStack ? $"{protocol}/IPv6 and IPv4 (dual stack)" : $"{protocol}/IPv6 only";
    }

    private static string Kind(SocketType type) => type switch
    {
        SocketType.Dgram => "Unix datagram socket",
        SocketType.Seqpacket => "Unix seqpacket socket",
        _ => "Unix stream socket",
    };

    /// <summary>The mode and owner a socket file or FIFO is made with (SocketMode, SocketUser, SocketGroup).</summary>
    private static string FileSettings(BridgeOptions bridge)
    {
        string user = bridge.Listen.SocketUid is { } uid ? Name(Accounts.UserName(uid), uid) : Name(Accounts.UserName(Posix.EffectiveUid), Posix.EffectiveUid);
        string group = bridge.Listen.SocketGid is { } gid ? Name(Accounts.GroupName(gid), gid) : Name(Accounts.GroupName(Posix.EffectiveGid), Posix.EffectiveGid);
        return $"mode {FileStatus.FormatMode(bridge.Listen.SocketMode)}, owner {user}:{group}";
    }

    private static string Backlog(BridgeOptions bridge, ListenEndpoint listen) =>
        listen.SocketType == SocketType.Dgram ? string.Empty : $", backlog {bridge.Listen.Backlog.ToString(CultureInfo.InvariantCulture)}";

    private static string Name(string? name, uint id) => name ?? id.ToString(CultureInfo.InvariantCulture);
}
