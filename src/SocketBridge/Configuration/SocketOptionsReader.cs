using System.Globalization;
using System.Text.Json;
using SocketBridge.Endpoints;

namespace SocketBridge.Configuration;

/// <summary>
/// Reads a bridge's socket option keys (systemd.socket(5)'s names:
/// ReusePort, FreeBind, BindToDevice, BindIPv6Only, DeferAccept,
/// ReceiveBuffer, SendBuffer, Mark, KeepAlive, KeepAliveTime,
/// KeepAliveInterval, KeepAliveProbes, PassCredentials) into
/// <see cref="SocketOptions"/>: first their values (<see cref="Read"/>), then,
/// once Listen is known, whether an endpoint of the bridge can take each
/// (<see cref="CheckApplies"/>): a key none can take is an error, not ignored.
/// </summary>
internal sealed class SocketOptionsReader(IConfigurationResolver environment)
{
    /// <summary>The kernel's limit of TCP_KEEPIDLE and TCP_KEEPINTVL, in seconds (MAX_TCP_KEEPIDLE, MAX_TCP_KEEPINTVL).</summary>
    public const int MaxKeepAliveSeconds = 32767;

    /// <summary>The kernel's limit of TCP_KEEPCNT (MAX_TCP_KEEPCNT).</summary>
    public const int MaxKeepAliveProbes = 127;

    /// <summary>The largest ReceiveBuffer or SendBuffer: the kernel takes at most INT_MAX / 2 and doubles it.</summary>
    public const long MaxBuffer = 1L << 30;

    /// <summary>An interface name's limit (IFNAMSIZ less its NUL).</summary>
    private const int MaxInterfaceName = 15;

    private const int CapNetAdmin = 12;
    private const int CapNetRaw = 13;

    private static readonly string[] KeepAliveTimers = ["KeepAliveTime", "KeepAliveInterval", "KeepAliveProbes"];

    public SocketOptions Read(ConfigNode bridge, ErrorCollector errors)
    {
        var options = new SocketOptions();
        if (bridge["ReusePort"] is { } reusePort && NodeReader.TryBoolean(reusePort, errors, out bool reuse))
        {
            options = options with { ReusePort = reuse };
        }

        if (bridge["FreeBind"] is { } freeBind && NodeReader.TryBoolean(freeBind, errors, out bool free))
        {
            options = options with { FreeBind = free };
        }

        if (bridge["BindToDevice"] is { } device && NodeReader.TryString(device, errors, out string name) && CheckInterface(device, name, errors))
        {
            options = options with { BindToDevice = name };
        }

        if (bridge["BindIPv6Only"] is { } v6Only && NodeReader.TryString(v6Only, errors, out string mode))
        {
            switch (mode)
            {
                case "default":
                    break;
                case "both":
                    options = options with { BindIPv6Only = BindIPv6Only.Both };
                    break;
                case "ipv6-only":
                    options = options with { BindIPv6Only = BindIPv6Only.Ipv6Only };
                    break;
                default:
                    errors.Add(v6Only, $"\"{mode}\" is not one of default, both or ipv6-only");
                    break;
            }
        }

        // 0 turns it off, as DeferAcceptSec=0 does.
        if (bridge["DeferAccept"] is { } defer && TrySeconds(defer, errors, 0, int.MaxValue, out int deferSeconds))
        {
            options = options with { DeferAcceptSeconds = deferSeconds == 0 ? null : deferSeconds };
        }

        if (bridge["ReceiveBuffer"] is { } receive && TrySize(receive, errors, out int receiveSize))
        {
            options = options with { ReceiveBuffer = receiveSize };
        }

        if (bridge["SendBuffer"] is { } send && TrySize(send, errors, out int sendSize))
        {
            options = options with { SendBuffer = sendSize };
        }

        if (bridge["Mark"] is { } markNode && TryMark(markNode, errors, out uint mark))
        {
            options = options with { Mark = mark };
        }

        options = ReadKeepAlive(bridge, errors, options);

        if (bridge["PassCredentials"] is { } passCredentials && NodeReader.TryBoolean(passCredentials, errors, out bool pass))
        {
            options = options with { PassCredentials = pass };
        }

        return options;
    }

    /// <summary>
    /// Each key set must mean something for at least one endpoint of
    /// <paramref name="listen"/> (it is kept out of the others): a TCP option
    /// on a bridge without a tcp: endpoint is an error naming the key and why.
    /// A socket the service manager passes (systemd:) may be of any kind,
    /// but was bound by it, so only the options that can be set on a bound
    /// socket count for it. Also: what the daemon's privileges cannot do.
    /// </summary>
    public void CheckApplies(ConfigNode bridge, ErrorCollector errors, IReadOnlyList<ListenEndpoint> listen, SocketOptions options)
    {
        // An unknown Listen (it had errors of its own) says nothing.
        if (listen.Count == 0)
        {
            return;
        }

        foreach (string key in SocketOptionScope.Keys)
        {
            if (bridge[key] is not { } node || !options.IsSet(key))
            {
                continue;
            }

            bool applies = listen.Any(endpoint => SocketShape.Of(endpoint) is { } shapes
                ? shapes.Any(shape => SocketOptionScope.AppliesTo(key, shape))
                : !SocketOptionScope.IsBindTime(key));
            if (applies)
            {
                continue;
            }

            string endpoints = string.Join(", ", listen);
            errors.Add(node, SocketOptionScope.IsBindTime(key) && listen.Any(e => SocketShape.Of(e) is null)
                ? $"applies to {SocketOptionScope.Needs(key)} that socketbridge binds, not to {endpoints}: the service manager binds a socket it passes (set {key}= in its .socket unit)"
                : $"applies to {SocketOptionScope.Needs(key)}, not to {endpoints}");
        }

        // SO_MARK needs CAP_NET_ADMIN (or, since Linux 5.17, CAP_NET_RAW):
        // say so now rather than fail at every start.
        if (bridge["Mark"] is { } mark && options.Mark is not null && environment.EffectiveUid != 0
            && !environment.HasCapability(CapNetAdmin) && !environment.HasCapability(CapNetRaw))
        {
            errors.Add(mark, "setting SO_MARK needs CAP_NET_ADMIN, which socketbridge does not have (run it as root, or give it the capability: AmbientCapabilities=CAP_NET_ADMIN in its unit)");
        }
    }

    /// <summary>
    /// KeepAlive, and the timers that only work with it: setting one of them
    /// turns keep-alive on (systemd would set them and leave them without
    /// effect), and with <c>"KeepAlive": false</c> it is an error.
    /// </summary>
    private static SocketOptions ReadKeepAlive(ConfigNode bridge, ErrorCollector errors, SocketOptions options)
    {
        bool? keepAlive = null;
        if (bridge["KeepAlive"] is { } keepAliveNode && NodeReader.TryBoolean(keepAliveNode, errors, out bool on))
        {
            keepAlive = on;
        }

        if (bridge["KeepAliveTime"] is { } time && TrySeconds(time, errors, 1, MaxKeepAliveSeconds, out int idle))
        {
            options = options with { KeepAliveTimeSeconds = idle };
        }

        if (bridge["KeepAliveInterval"] is { } interval && TrySeconds(interval, errors, 1, MaxKeepAliveSeconds, out int between))
        {
            options = options with { KeepAliveIntervalSeconds = between };
        }

        if (bridge["KeepAliveProbes"] is { } probes && NodeReader.TryInteger(probes, errors, 1, MaxKeepAliveProbes, out int count))
        {
            options = options with { KeepAliveProbes = count };
        }

        string? timer = KeepAliveTimers.FirstOrDefault(k => bridge[k] is not null);
        if (timer is not null && keepAlive == false)
        {
            errors.Add(bridge["KeepAlive"]!, $"is false, but {timer} is set, which works only with keep-alive on: leave KeepAlive out (a keep-alive timer turns it on) or set it to true");
        }

        return options with { KeepAlive = keepAlive ?? timer is not null };
    }

    /// <summary>An interface name as the kernel takes it (dev_valid_name), of an interface the machine has.</summary>
    private bool CheckInterface(ConfigNode node, string name, ErrorCollector errors)
    {
        if (name.Length == 0 || name is "." or ".." || System.Text.Encoding.UTF8.GetByteCount(name) > MaxInterfaceName
            || name.Any(c => c is '/' or ':' or '\0' || char.IsWhiteSpace(c)))
        {
            errors.Add(node, $"\"{PrintableText.Escape(name)}\" is not a network interface name (1 to {MaxInterfaceName} bytes, without /, : or blanks), as \"eth0\"");
            return false;
        }

        if (!environment.InterfaceExists(name))
        {
            string known = string.Join(", ", environment.InterfaceNames());
            errors.Add(node, $"there is no network interface \"{name}\" on this machine" + (known.Length > 0 ? $" (it has {known})" : string.Empty));
            return false;
        }

        return true;
    }

    /// <summary>A duration in whole seconds, rounded up, from <paramref name="min"/> to <paramref name="max"/>.</summary>
    private static bool TrySeconds(ConfigNode node, ErrorCollector errors, int min, int max, out int seconds)
    {
        seconds = 0;
        if (!NodeReader.TryDuration(node, errors, out TimeSpan span))
        {
            return false;
        }

        double whole = Math.Ceiling(span.TotalSeconds);
        if (whole < min || whole > max)
        {
            errors.Add(node, string.Create(CultureInfo.InvariantCulture, $"must be from {min} to {max} seconds (it is taken in whole seconds, rounded up), not {whole}"));
            return false;
        }

        seconds = (int)whole;
        return true;
    }

    private static bool TrySize(ConfigNode node, ErrorCollector errors, out int size)
    {
        size = 0;
        long bytes;
        if (!node.IsObject && node.Value.ValueKind == JsonValueKind.Number)
        {
            if (!node.Value.TryGetInt64(out bytes))
            {
                errors.Add(node, $"must be a whole number of bytes, not {NodeReader.Describe(node)}");
                return false;
            }
        }
        else if (!NodeReader.TryString(node, errors, out string text))
        {
            return false;
        }
        else if (!SizeParser.TryParse(text, out bytes, out string error))
        {
            errors.Add(node, error);
            return false;
        }

        if (bytes < 1 || bytes > MaxBuffer)
        {
            errors.Add(node, string.Create(CultureInfo.InvariantCulture, $"must be from 1 byte to 1G, not {bytes} bytes"));
            return false;
        }

        size = (int)Math.Min(bytes, int.MaxValue / 2);
        return true;
    }

    /// <summary>A firewall mark: a number from 0 to 4294967295, or a string of one, in decimal or 0x hexadecimal as iptables writes it.</summary>
    private static bool TryMark(ConfigNode node, ErrorCollector errors, out uint mark)
    {
        mark = 0;
        const string Forms = "a number from 0 to 4294967295, or a string of one in decimal or hexadecimal, as \"0x2a\"";
        if (!node.IsObject && node.Value.ValueKind == JsonValueKind.Number)
        {
            if (node.Value.TryGetUInt32(out mark))
            {
                return true;
            }

            errors.Add(node, $"must be {Forms}, not {NodeReader.Describe(node)}");
            return false;
        }

        if (!NodeReader.TryString(node, errors, out string text))
        {
            return false;
        }

        bool parsed = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? uint.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out mark)
            : uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out mark);
        if (!parsed)
        {
            errors.Add(node, $"\"{PrintableText.Escape(text)}\" is not a firewall mark ({Forms})");
        }

        return parsed;
    }
}
