using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SocketBridge.Endpoints;

/// <summary>The one parser of endpoint strings (SPEC 4).</summary>
internal static class EndpointParser
{
    /// <summary>sun_path holds 108 bytes including the terminating NUL.</summary>
    public const int MaxUnixPathBytes = 107;

    private const string Forms = "expected tcp:HOST:PORT, udp:HOST:PORT, unix:/path, unix:@name, unix-dgram:/path, unix-seqpacket:/path, fifo:/path, systemd:NAME or launchd:NAME";

    /// <summary>
    /// Parses <paramref name="text"/>, an endpoint to connect to (or one
    /// whose port must be known before anything binds it); on failure
    /// <paramref name="error"/> says why. Port 0 is refused: nothing can
    /// connect to it.
    /// </summary>
    public static bool TryParse(string? text, out Endpoint? endpoint, out string error) =>
        TryParse(text, listen: false, out endpoint, out error);

    /// <summary>
    /// Parses <paramref name="text"/> as a bridge's <c>Listen</c> entry: as
    /// <see cref="TryParse(string?, out Endpoint?, out string)"/>, except that
    /// a <c>tcp:</c> or <c>udp:</c> port may be 0, for a port the kernel picks
    /// at bind(2) (tests and ad-hoc runs read it back from the log or <c>status</c>).
    /// </summary>
    public static bool TryParseListen(string? text, out Endpoint? endpoint, out string error) =>
        TryParse(text, listen: true, out endpoint, out error);

    private static bool TryParse(string? text, bool listen, out Endpoint? endpoint, out string error)
    {
        endpoint = null;
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = $"is empty ({Forms})";
            return false;
        }

        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            error = $"\"{text}\" has no scheme ({Forms})";
            return false;
        }

        string scheme = text[..colon];
        string rest = text[(colon + 1)..];
        switch (scheme)
        {
            case "tcp":
            case "udp":
                return TryParseInet(text, scheme, rest, listen ? 0 : 1, out endpoint, out error);
            case "unix":
                return TryParseUnix(text, scheme, rest, SocketType.Stream, out endpoint, out error);
            case "unix-dgram":
                return TryParseUnix(text, scheme, rest, SocketType.Dgram, out endpoint, out error);
            case "unix-seqpacket":
                return TryParseUnix(text, scheme, rest, SocketType.Seqpacket, out endpoint, out error);
            case "fifo":
                if (!TryParsePath(text, rest, "fifo:/absolute/path", out error))
                {
                    return false;
                }

                endpoint = new FifoEndpoint(rest);
                return true;
            case "systemd":
            case "launchd":
                if (rest.Length == 0 || rest.Length > 255 || rest.Any(c => c < 0x20 || c > 0x7e || c == ':'))
                {
                    error = $"\"{text}\" needs a name of 1 to 255 printable characters without ':' ({scheme}:NAME)";
                    return false;
                }

                endpoint = scheme == "systemd" ? new SystemdEndpoint(rest) : new LaunchdEndpoint(rest);
                return true;
            default:
                error = $"\"{text}\" has an unknown scheme \"{scheme}\" ({Forms})";
                return false;
        }
    }

    /// <summary>
    /// <c>tcp:</c> and <c>udp:</c>: HOST:PORT, the host an IPv4 address,
    /// <c>[IPv6]</c>, a name or <c>*</c>; the port <paramref name="lowestPort"/>
    /// (0 for a Listen entry, 1 otherwise) to 65535.
    /// </summary>
    private static bool TryParseInet(string text, string scheme, string rest, int lowestPort, out Endpoint? endpoint, out string error)
    {
        endpoint = null;
        int colon = rest.LastIndexOf(':');
        if (colon < 0 || (rest.StartsWith('[') && rest.LastIndexOf(']') > colon))
        {
            error = $"\"{text}\" has no port (expected {scheme}:HOST:PORT)";
            return false;
        }

        string host = rest[..colon];
        string port = rest[(colon + 1)..];
        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number < lowestPort || number > 65535)
        {
            error = $"\"{text}\" has an invalid port \"{port}\" (1 to 65535)";
            return false;
        }

        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            string inner = host[1..^1];
            if (!IPAddress.TryParse(inner, out IPAddress? v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                error = $"\"{text}\" has an invalid IPv6 address \"{inner}\"";
                return false;
            }

            endpoint = Inet(scheme, inner, number);
            error = string.Empty;
            return true;
        }

        if (host.Contains(':', StringComparison.Ordinal))
        {
            error = $"\"{text}\": an IPv6 address goes in brackets, as {scheme}:[::1]:{port}";
            return false;
        }

        if (host.Length == 0)
        {
            error = $"\"{text}\" has no host (use * for every address)";
            return false;
        }

        if (host != "*" && !IsHostName(host))
        {
            error = $"\"{text}\" has an invalid host \"{host}\"";
            return false;
        }

        endpoint = Inet(scheme, host, number);
        error = string.Empty;
        return true;
    }

    private static InetEndpoint Inet(string scheme, string host, int port) =>
        scheme == "udp" ? new UdpEndpoint(host, port) : new TcpEndpoint(host, port);

    private static bool TryParseUnix(string text, string scheme, string rest, SocketType type, out Endpoint? endpoint, out string error)
    {
        endpoint = null;
        if (rest.StartsWith('@'))
        {
            if (rest.Length < 2 || Encoding.UTF8.GetByteCount(rest) > MaxUnixPathBytes || rest.Contains('\0', StringComparison.Ordinal))
            {
                error = $"\"{text}\" needs an abstract name of 1 to {MaxUnixPathBytes - 1} bytes";
                return false;
            }

            endpoint = new UnixEndpoint(rest, type);
            error = string.Empty;
            return true;
        }

        if (!TryParsePath(text, rest, $"{scheme}:/absolute/path or {scheme}:@name", out error))
        {
            return false;
        }

        if (Encoding.UTF8.GetByteCount(rest) > MaxUnixPathBytes)
        {
            error = $"\"{text}\" is longer than the {MaxUnixPathBytes} bytes a Unix socket path can have";
            return false;
        }

        endpoint = new UnixEndpoint(rest, type);
        return true;
    }

    private static bool TryParsePath(string text, string path, string form, out string error)
    {
        if (!path.StartsWith('/') || path.Contains('\0', StringComparison.Ordinal))
        {
            error = $"\"{text}\" needs an absolute path ({form})";
            return false;
        }

        if (path.EndsWith('/'))
        {
            error = $"\"{text}\" names a directory, not a file";
            return false;
        }

        error = string.Empty;
        return true;
    }

    private static bool IsHostName(string host)
    {
        if (host.Length > 253)
        {
            return false;
        }

        foreach (string label in host.Split('.'))
        {
            if (label.Length == 0 || label.Length > 63 || label.StartsWith('-') || label.EndsWith('-'))
            {
                return false;
            }

            foreach (char c in label)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_')
                {
                    return false;
                }
            }
        }

        return true;
    }
}
