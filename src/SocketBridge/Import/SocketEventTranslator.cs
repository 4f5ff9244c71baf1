using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SocketBridge.Endpoints;

namespace SocketBridge.Import;

/// <summary>
/// The listening socket of a <c>start on socket</c> event (socket-event(7),
/// upstart-socket-bridge(8)) as a SocketBridge endpoint (SPEC 4):
/// <c>PROTO=inet PORT=80 ADDR=127.0.0.1</c> is <c>tcp:127.0.0.1:80</c>,
/// <c>PROTO=inet6 PORT=80 ADDR=::1</c> is <c>tcp:[::1]:80</c>, and
/// <c>PROTO=unix SOCKET_PATH=/run/x.sock</c> (or the older <c>PATH=</c>) is
/// <c>unix:/run/x.sock</c>, <c>@name</c> being the abstract namespace.
/// Without ADDR, upstart-socket-bridge listened on every address of the family.
/// </summary>
internal static class SocketEventTranslator
{
    private static readonly string[] Variables = ["PROTO", "PORT", "ADDR", "SOCKET_PATH", "PATH"];

    /// <summary>
    /// The endpoint of <paramref name="socket"/>, or false and why not.
    /// <paramref name="olderPathSpelling"/> says the path was given as PATH=.
    /// </summary>
    public static bool TryTranslate(UpstartEvent socket, out string endpoint, out string error, out bool olderPathSpelling)
    {
        endpoint = string.Empty;
        olderPathSpelling = false;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string argument in socket.Arguments)
        {
            if (!TryReadArgument(argument, values, out error))
            {
                return false;
            }
        }

        if (!values.TryGetValue("PROTO", out string? proto))
        {
            error = "it has no PROTO= (inet, inet6 or unix)";
            return false;
        }

        switch (proto)
        {
            case "inet":
            case "inet6":
                if (!TryTcp(proto, values, out endpoint, out error))
                {
                    return false;
                }

                break;
            case "unix":
                if (!TryUnix(values, out endpoint, out error))
                {
                    return false;
                }

                olderPathSpelling = !values.ContainsKey("SOCKET_PATH");
                break;
            default:
                error = $"PROTO={proto} is not inet, inet6 or unix";
                return false;
        }

        // The one endpoint parser has the last word (lengths, forms).
        if (!EndpointParser.TryParse(endpoint, out _, out error))
        {
            return false;
        }

        return true;
    }

    private static bool TryReadArgument(string argument, Dictionary<string, string> values, out string error)
    {
        error = string.Empty;
        int equals = argument.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            error = $"\"{argument}\" is not KEY=VALUE (upstart-socket-bridge reads only PROTO=, PORT=, ADDR= and SOCKET_PATH=)";
            return false;
        }

        if (argument[equals - 1] == '!')
        {
            error = $"{argument}: a socket is named by KEY=VALUE, not by what it is not";
            return false;
        }

        string key = argument[..equals];
        string value = argument[(equals + 1)..];
        if (!Variables.Contains(key, StringComparer.Ordinal))
        {
            error = $"{key}= is not a variable of the socket event (PROTO, PORT, ADDR, SOCKET_PATH)";
            return false;
        }

        if (value.IndexOfAny(['*', '?', '[']) >= 0 && key != "SOCKET_PATH" && key != "PATH")
        {
            error = $"{argument}: a pattern cannot name a socket";
            return false;
        }

        if (values.ContainsKey(key))
        {
            error = $"{key}= is given twice";
            return false;
        }

        values[key] = value;
        return true;
    }

    private static bool TryTcp(string proto, Dictionary<string, string> values, out string endpoint, out string error)
    {
        endpoint = string.Empty;
        if (values.ContainsKey("SOCKET_PATH") || values.ContainsKey("PATH"))
        {
            error = $"a path does not go with PROTO={proto}";
            return false;
        }

        if (!values.TryGetValue("PORT", out string? portText))
        {
            error = $"PROTO={proto} needs PORT=";
            return false;
        }

        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port < 1 || port > 65535)
        {
            error = $"PORT={portText} is not a port (1 to 65535)";
            return false;
        }

        bool v6 = proto == "inet6";
        IPAddress address = v6 ? IPAddress.IPv6Any : IPAddress.Any;
        if (values.TryGetValue("ADDR", out string? addressText)
            && (!IPAddress.TryParse(addressText, out address!)
                || address.AddressFamily != (v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork)))
        {
            error = $"ADDR={addressText} is not an {(v6 ? "IPv6" : "IPv4")} address";
            return false;
        }

        endpoint = v6
            ? string.Create(CultureInfo.InvariantCulture, $"tcp:[{address}]:{port}")
            : string.Create(CultureInfo.InvariantCulture, $"tcp:{address}:{port}");
        error = string.Empty;
        return true;
    }

    private static bool TryUnix(Dictionary<string, string> values, out string endpoint, out string error)
    {
        endpoint = string.Empty;
        if (values.ContainsKey("PORT") || values.ContainsKey("ADDR"))
        {
            error = "PORT= and ADDR= do not go with PROTO=unix";
            return false;
        }

        bool hasNew = values.TryGetValue("SOCKET_PATH", out string? path);
        if (hasNew && values.ContainsKey("PATH"))
        {
            error = "it gives both SOCKET_PATH= and the older PATH=";
            return false;
        }

        if (!hasNew && !values.TryGetValue("PATH", out path))
        {
            error = "PROTO=unix needs SOCKET_PATH=";
            return false;
        }

        if (!path!.StartsWith('/') && !path.StartsWith('@'))
        {
            error = $"{(hasNew ? "SOCKET_PATH" : "PATH")}={path} is neither an absolute path nor an @abstract name";
            return false;
        }

        endpoint = $"unix:{path}";
        error = string.Empty;
        return true;
    }
}
