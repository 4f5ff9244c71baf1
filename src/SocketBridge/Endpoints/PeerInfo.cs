using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SocketBridge.Native;

namespace SocketBridge.Endpoints;

/// <summary>Who is on the other end of an accepted connection, and on which local address it arrived.</summary>
internal sealed record PeerInfo
{
    /// <summary>The client's address with IPv4-mapped IPv6 unmapped (TCP).</summary>
    public IPEndPoint? Remote { get; init; }

    /// <summary>The local address of the connection (TCP).</summary>
    public IPEndPoint? Local { get; init; }

    /// <summary>SO_PEERCRED of the client (Unix).</summary>
    public (int Pid, uint Uid, uint Gid)? Credentials { get; init; }

    /// <summary>Whether the connection came through a Unix socket (its credentials may still be unknown).</summary>
    public bool IsUnix { get; init; }

    /// <summary>inet, inet6 or unix, as PROTO.</summary>
    public string Protocol => Remote is null ? "unix" : Remote.AddressFamily == AddressFamily.InterNetworkV6 ? "inet6" : "inet";

    /// <summary>How logs show the client.</summary>
    public string Display => Remote is { } r
        ? (r.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{r.Address}]:{r.Port}" : $"{r.Address}:{r.Port}")
        : Credentials is { } c ? string.Create(CultureInfo.InvariantCulture, $"uid {c.Uid} pid {c.Pid}") : "unknown peer";

    public static PeerInfo Of(Socket socket)
    {
        if (socket.AddressFamily == AddressFamily.Unix)
        {
            try
            {
                return new PeerInfo { IsUnix = true, Credentials = Posix.PeerCredentials(socket.SafeHandle) };
            }
            catch (NativeCallException)
            {
                return new PeerInfo { IsUnix = true };
            }
        }

        try
        {
            return new PeerInfo
            {
                Remote = Unmap(socket.RemoteEndPoint as IPEndPoint),
                Local = Unmap(socket.LocalEndPoint as IPEndPoint),
            };
        }
        catch (SocketException)
        {
            // The client is already gone.
            return new PeerInfo();
        }
    }

    private static IPEndPoint? Unmap(IPEndPoint? endpoint) =>
        endpoint is not null && endpoint.Address.IsIPv4MappedToIPv6
            ? new IPEndPoint(endpoint.Address.MapToIPv4(), endpoint.Port)
            : endpoint;
}
