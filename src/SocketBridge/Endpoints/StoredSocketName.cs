using System.Text;
using SocketBridge.Systemd;

namespace SocketBridge.Endpoints;

/// <summary>
/// The FDNAME= a listening socket is kept under in systemd's
/// file-descriptor store: <c>sb/BRIDGE/ENDPOINT</c>, the endpoint as written
/// in Listen, and for one of several addresses of a host name
/// <c>/ADDRESS</c>. Made from the configuration alone, so the next start
/// finds its socket by name (a port-0 endpoint keeps its port) and a bridge
/// or endpoint that is gone is released by name. ':' (the separator of
/// LISTEN_FDNAMES), '%' and anything but printable ASCII are written as
/// %XX of their UTF-8 bytes; a name longer than systemd takes ends in a
/// digest of the whole.
/// </summary>
internal static class StoredSocketName
{
    public const string Prefix = "sb/";

    /// <summary>A name this daemon stores sockets under (not a socket unit's FileDescriptorName=).</summary>
    public static bool IsStored(string? name) => name is not null && name.StartsWith(Prefix, StringComparison.Ordinal);

    /// <param name="index">Which of <paramref name="listen"/>'s sockets: the index of its address (0 for all other kinds).</param>
    public static string For(string bridge, ListenEndpoint listen, int index)
    {
        var text = new StringBuilder(Prefix);
        Append(text, bridge);
        text.Append('/');
        Append(text, listen.Endpoint.ToString()!);
        if (listen.Endpoint is InetEndpoint && listen.Addresses.Count > 1 && index < listen.Addresses.Count)
        {
            text.Append('/');
            Append(text, listen.Addresses[index].ToString());
        }

        string name = text.ToString();
        if (name.Length <= FileDescriptorStore.MaxNameLength)
        {
            return name;
        }

        string digest = Digest(name);
        return string.Concat(name.AsSpan(0, FileDescriptorStore.MaxNameLength - digest.Length - 1), "~", digest);
    }

    /// <summary>
    /// FNV-1a (64 bits) of the whole name, in hex: stable across versions and
    /// machines, and enough to tell apart names that share their first 238
    /// characters (no secret to guard; System.Security.Cryptography would be
    /// one more library to load at start, where descriptors may be short).
    /// </summary>
    private static string Digest(string name)
    {
        ulong hash = 14695981039346656037;
        foreach (byte b in Encoding.UTF8.GetBytes(name))
        {
            hash = (hash ^ b) * 1099511628211;
        }

        return hash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void Append(StringBuilder text, string part)
    {
        foreach (byte b in Encoding.UTF8.GetBytes(part))
        {
            if (b is >= (byte)' ' and < 127 and not (byte)':' and not (byte)'%')
            {
                text.Append((char)b);
            }
            else
            {
                text.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }
}
