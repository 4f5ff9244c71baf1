using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using SocketBridge.Endpoints;
using SocketBridge.Native;

namespace SocketBridge.Configuration;

/// <summary>Reads and validates one entry of <c>Bridges</c> (SPEC 3), reporting every problem.</summary>
public sealed partial class BridgeOptionsReader(ConfigurationEnvironment environment)
{
    public static readonly IReadOnlyList<string> Keys =
    [
        "Listen", "Mode", "Exec", "Target", "Environment", "PassEnvironment", "WorkingDirectory",
        "User", "Group", "SocketMode", "SocketUser", "SocketGroup", "Backlog", "MaxConnections", "OnLimit",
        "MaxConnectionsPerSource", "RateLimit", "AllowFrom", "DenyFrom", "AllowUsers", "AllowGroups",
        "IdleTimeout", "ConnectTimeout", "ExitIdleTime", "ProxyProtocol", "StandardError", "NoDelay",
        "StandardInput", .. SocketOptionScope.Keys,
    ];

    /// <summary>
    /// Endpoints one Listen may name: a handoff program gets every socket, and
    /// the native launch passes at most this many (SB_MAX_LISTEN_FDS).
    /// </summary>
    public const int MaxListenEndpoints = ProcessSpawner.MaxListenDescriptors;

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]*$")]
    private static partial Regex NamePattern();

    public BridgeOptions? Read(ConfigNode bridge, ErrorCollector errors)
    {
        int before = errors.Errors.Count;
        if (!NamePattern().IsMatch(bridge.Name))
        {
            errors.Add(bridge, "a bridge name must match [a-z0-9][a-z0-9._-]* (lower case)");
        }

        if (!bridge.IsObject)
        {
            errors.Add(bridge, $"must be an object of bridge keys, not {NodeReader.Describe(bridge)}");
            return null;
        }

        foreach (ConfigNode key in bridge.Children!.Values)
        {
            string? known = Keys.FirstOrDefault(k => string.Equals(k, key.Name, StringComparison.Ordinal));
            if (known is null)
            {
                errors.Add(key, KeySuggestion.ForUnknown(key.Name, Keys));
            }
        }

        var options = new BridgeOptions { Name = bridge.Name, File = bridge.File, Listen = [] };
        var socketOptionsReader = new SocketOptionsReader(environment);
        SocketOptions socketOptions = socketOptionsReader.Read(bridge, errors);
        options = ReadListen(bridge, errors, options, socketOptions);
        socketOptionsReader.CheckApplies(bridge, errors, options.Listen, socketOptions);
        options = options with { SocketOptions = socketOptions };
        options = ReadMode(bridge, errors, options);
        CheckHandoffSockets(bridge, errors, options);
        options = ReadExec(bridge, errors, options);
        options = ReadForwarding(bridge, errors, options);
        options = ReadEnvironment(bridge, errors, options);
        options = ReadProcessKeys(bridge, errors, options);
        options = ReadSocketKeys(bridge, errors, options);
        options = ReadLimits(bridge, errors, options);
        options = ReadAccess(bridge, errors, options);
        options = ReadSocketTypes(bridge, errors, options);
        CheckArgumentSpace(bridge, errors, options);
        if (errors.Errors.Count != before)
        {
            return null;
        }

        // Only for a bridge otherwise valid: it looks at the machine, as binding will.
        CheckSocketDirectory(bridge, errors, options);
        if (errors.Errors.Count != before)
        {
            return null;
        }

        WarnIfOpenToEveryUser(bridge, errors, options);
        WarnIfTcpUnrestricted(bridge, errors, options);
        return options;
    }

    /// <summary>
    /// An abstract socket has no file, so no permissions: every process in
    /// the network namespace may connect unless AllowUsers or AllowGroups
    /// says otherwise. Valid, but worth saying (finding 9 of the audit).
    /// </summary>
    private static void WarnIfOpenToEveryUser(ConfigNode bridge, ErrorCollector errors, BridgeOptions options)
    {
        if (options.Access.AllowUsers.Count > 0 || options.Access.AllowGroups.Count > 0)
        {
            return;
        }

        ConfigNode node = bridge["Listen"]!;
        for (int i = 0; i < options.Listen.Count; i++)
        {
            if (options.Listen[i].Endpoint is not UnixEndpoint { IsAbstract: true } listen)
            {
                continue;
            }

            const string Open = "is an abstract socket, which every local user may connect to (it has no file permissions)";
            errors.Warn(node.File, ListenKey(node, i), listen.Type == SocketType.Dgram
                ? $"{listen} is an abstract socket, which every local user may send datagrams to (it has no file permissions): check the sender's credentials (SO_PASSCRED, SCM_CREDENTIALS) in the program, or listen on a unix-dgram:/path socket with SocketMode"
                : options.Mode == BridgeMode.Handoff
                ? $"{listen} {Open}, and in handoff mode the program accepts, not socketbridge: check the peer's credentials (SO_PEERCRED) in the program, or listen on a {listen.Scheme}:/path socket with SocketMode"
                : $"{listen} {Open}; restrict it with AllowUsers or AllowGroups");
        }
    }

    /// <summary>
    /// AllowUsers and AllowGroups judge Unix-socket clients only: on a bridge
    /// that also listens on TCP with no address list, TCP clients get in
    /// whoever they are. Valid, and perhaps meant, but worth saying, since
    /// adding a tcp: endpoint to a restricted bridge is an easy way to open it.
    /// </summary>
    private static void WarnIfTcpUnrestricted(ConfigNode bridge, ErrorCollector errors, BridgeOptions options)
    {
        if ((options.Access.AllowUsers.Count == 0 && options.Access.AllowGroups.Count == 0)
            || options.Access.AllowFrom.Count > 0 || options.Access.DenyFrom.Count > 0
            || options.Listen.FirstOrDefault(e => e.IsTcp) is not { } tcp)
        {
            return;
        }

        ConfigNode key = bridge["AllowUsers"] ?? bridge["AllowGroups"]!;
        errors.Warn(key, $"judges Unix-socket clients only: every TCP client of {tcp} is let in (restrict them with AllowFrom or DenyFrom)");
    }

    /// <summary>
    /// The directories of a <c>unix:/path</c> or <c>fifo:</c> Listen, checked
    /// as the daemon checks them when it binds (SPEC 8: none writable by users
    /// other than root, the daemon's and SocketUser), so <c>check</c> says so
    /// and <c>run</c> refuses the configuration (exit 78) instead of failing
    /// at every start. Binding checks again: a directory can change meanwhile.
    /// </summary>
    private void CheckSocketDirectory(ConfigNode bridge, ErrorCollector errors, BridgeOptions options)
    {
        ConfigNode node = bridge["Listen"]!;
        for (int i = 0; i < options.Listen.Count; i++)
        {
            if (options.Listen[i].FilePath is { } path
                && SocketDirectory.Problem(Path.GetDirectoryName(path)!, new DirectoryTrust(environment.EffectiveUid, options.SocketUid)) is { } problem)
            {
                errors.Add(node.File, ListenKey(node, i), problem);
            }
        }
    }

    /// <summary>
    /// The program's arguments and environment, with the variables the
    /// daemon adds, must fit in what execve(2) takes, or every launch would
    /// fail with E2BIG.
    /// </summary>
    private static void CheckArgumentSpace(ConfigNode bridge, ErrorCollector errors, BridgeOptions options)
    {
        if (options.Exec is not { } exec)
        {
            return;
        }

        long arguments = ArgumentSpace.Bytes(exec.Path) + exec.Arguments.Sum(a => ArgumentSpace.Bytes(a) + ArgumentSpace.PointerSize);
        long configured = options.Environment.Take(options.ConfiguredVariables).Sum(v => ArgumentSpace.Bytes(v) + ArgumentSpace.PointerSize);
        long passed = options.Environment.Skip(options.ConfiguredVariables).Sum(v => ArgumentSpace.Bytes(v) + ArgumentSpace.PointerSize);
        long total = arguments + configured + passed + ArgumentSpace.Reserved(options);
        long limit = ArgumentSpace.Limit;
        if (total <= limit)
        {
            return;
        }

        // Name the key that takes the most room.
        string key = configured >= passed && configured >= arguments ? "Environment" : passed >= arguments ? "PassEnvironment" : "Exec";
        errors.Add(bridge.File, $"{bridge.Path}:{key}", string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"with Exec and the variables socketbridge adds, the program's arguments and environment take {total} bytes; execve(2) takes at most {limit} here (ARG_MAX)"));
    }

    /// <summary>Listen's endpoints, each with the part of <paramref name="socketOptions"/> that applies to it.</summary>
    private BridgeOptions ReadListen(ConfigNode bridge, ErrorCollector errors, BridgeOptions options, SocketOptions socketOptions)
    {
        ConfigNode? node = bridge["Listen"];
        if (node is null)
        {
            errors.Add(bridge.File, $"{bridge.Path}:Listen", "is required (the endpoint to listen on, e.g. \"tcp:127.0.0.1:8080\", or an array of them)");
            return options;
        }

        // One endpoint as a string, or several as an array, as a .socket unit takes several ListenStream=.
        var texts = new List<string>();
        if (!node.IsObject && node.Value.ValueKind == System.Text.Json.JsonValueKind.Array)
        {
            int count = node.Value.GetArrayLength();
            if (count == 0)
            {
                errors.Add(node, "must name at least one endpoint (an empty array was given)");
                return options;
            }

            if (count > MaxListenEndpoints)
            {
                errors.Add(node, $"has {count} endpoints; a bridge takes at most {MaxListenEndpoints}");
                return options;
            }

            int index = 0;
            foreach (System.Text.Json.JsonElement element in node.Value.EnumerateArray())
            {
                if (element.ValueKind == System.Text.Json.JsonValueKind.String)
                {
                    texts.Add(element.GetString()!);
                }
                else
                {
                    errors.Add(node.File, ListenKey(node, index), $"must be an endpoint string, not {NodeReader.Describe(element)}");
                }

                index++;
            }

            if (texts.Count != count)
            {
                return options;
            }
        }
        else if (!node.IsObject && node.Value.ValueKind == System.Text.Json.JsonValueKind.String)
        {
            texts.Add(node.Value.GetString()!);
        }
        else
        {
            errors.Add(node, $"must be an endpoint string or an array of them, not {NodeReader.Describe(node)}");
            return options;
        }

        var endpoints = new List<ListenEndpoint>();
        for (int i = 0; i < texts.Count; i++)
        {
            if (ReadListenEndpoint(texts[i], node.File, ListenKey(node, i), errors) is { } endpoint)
            {
                // Before the overlap check: BindIPv6Only decides what [::] and * cover.
                endpoints.Add(endpoint.With(socketOptions));
            }
        }

        // Until every endpoint is valid the bridge's Listen is unknown, so the
        // checks of other keys against it say nothing (the error above is the news).
        if (endpoints.Count != texts.Count || !CheckListenSet(node, endpoints, errors))
        {
            return options;
        }

        return options with { Listen = endpoints };
    }

    /// <summary>The key of Listen's endpoint <paramref name="index"/>: <c>Listen</c> itself when it is a string, else <c>Listen[index]</c>.</summary>
    private static string ListenKey(ConfigNode listen, int index) =>
        !listen.IsObject && listen.Value.ValueKind == System.Text.Json.JsonValueKind.Array ? $"{listen.Path}[{index}]" : listen.Path;

    private ListenEndpoint? ReadListenEndpoint(string text, string file, string key, ErrorCollector errors)
    {
        if (!EndpointParser.TryParseListen(text, out Endpoint? endpoint, out string error))
        {
            errors.Add(file, key, error);
            return null;
        }

        switch (endpoint)
        {
            case InetEndpoint inet:
                IReadOnlyList<IPEndPoint> addresses = ResolveAddresses(inet, file, key, errors);
                return addresses.Count == 0 ? null : new ListenEndpoint(inet, addresses);
            case UnixEndpoint:
            case SystemdEndpoint:
            case FifoEndpoint:
                return new ListenEndpoint(endpoint!);
            case LaunchdEndpoint when OperatingSystem.IsMacOS():
                return new ListenEndpoint(endpoint!);
            case LaunchdEndpoint:
                errors.Add(file, key, "launchd: endpoints work only on macOS, where launchd passes the job's sockets");
                return null;
            default:
                errors.Add(file, key, $"{endpoint!.Scheme}: endpoints are not supported by this version of socketbridge yet");
                return null;
        }
    }

    /// <summary>
    /// Endpoints that make sense together: none twice, no two TCP endpoints
    /// on one address and port (the second bind would fail), and a FIFO
    /// alone (it has sessions, not connections, and no socket to pass on).
    /// </summary>
    private static bool CheckListenSet(ConfigNode node, List<ListenEndpoint> endpoints, ErrorCollector errors)
    {
        bool valid = true;
        for (int i = 0; i < endpoints.Count; i++)
        {
            ListenEndpoint endpoint = endpoints[i];
            if (endpoint.Endpoint is FifoEndpoint && endpoints.Count > 1)
            {
                errors.Add(node.File, ListenKey(node, i), $"{endpoint} must be the bridge's only endpoint: a FIFO has sessions, not connections (give it a bridge of its own)");
                valid = false;
            }

            for (int j = 0; j < i; j++)
            {
                if (SameFileOrName(endpoints[j].Endpoint, endpoint.Endpoint))
                {
                    errors.Add(node.File, ListenKey(node, i), $"{endpoint} is listed twice (Listen[{j}] is {endpoints[j]})");
                    valid = false;
                    break;
                }

                if (endpoints[j].SharedAddress(endpoint) is { } shared)
                {
                    string where = shared.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{shared.Address}]" : shared.Address.ToString();
                    errors.Add(node.File, ListenKey(node, i), $"{endpoint} overlaps Listen[{j}] ({endpoints[j]}): both would listen on {where} port {shared.Port}");
                    valid = false;
                    break;
                }
            }
        }

        return valid;
    }

    /// <summary>The same endpoint, or two spellings of one file (<c>/run//x</c> and <c>/run/x</c>).</summary>
    private static bool SameFileOrName(Endpoint first, Endpoint second)
    {
        static string? FilePath(Endpoint endpoint) => endpoint switch
        {
            UnixEndpoint { IsAbstract: false } unix => Path.GetFullPath(unix.Path),
            FifoEndpoint fifo => Path.GetFullPath(fifo.Path),
            _ => null,
        };

        return first == second || (FilePath(first) is { } path && path == FilePath(second));
    }

    private IReadOnlyList<IPEndPoint> ResolveAddresses(InetEndpoint tcp, string file, string key, ErrorCollector errors)
    {
        if (tcp.IsAnyAddress)
        {
            return [new IPEndPoint(environment.SupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any, tcp.Port)];
        }

        if (IPAddress.TryParse(tcp.Host, out IPAddress? literal))
        {
            return [new IPEndPoint(literal, tcp.Port)];
        }

        IPAddress[] addresses;
        try
        {
            addresses = environment.ResolveHost(tcp.Host);
        }
        catch (SocketException ex)
        {
            errors.Add(file, key, $"cannot resolve host \"{tcp.Host}\": {ex.Message}");
            return [];
        }

        var result = new List<IPEndPoint>();
        foreach (IPAddress address in addresses)
        {
            if (address.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6
                && !result.Any(e => e.Address.Equals(address)))
            {
                result.Add(new IPEndPoint(address, tcp.Port));
            }
        }

        if (result.Count == 0)
        {
            errors.Add(file, key, $"host \"{tcp.Host}\" has no IP address");
        }

        return result;
    }

    /// <summary>
    /// A handoff program gets every socket of the bridge, and a host name can
    /// stand for several: together they must fit in what a launch passes.
    /// </summary>
    private static void CheckHandoffSockets(ConfigNode bridge, ErrorCollector errors, BridgeOptions options)
    {
        int sockets = options.Listen.Sum(e => Math.Max(1, e.Addresses.Count));
        if (options.Mode == BridgeMode.Handoff && sockets > MaxListenEndpoints)
        {
            errors.Add(bridge["Listen"]!, $"makes {sockets} sockets (a host name binds each of its addresses), and a handoff program can be given at most {MaxListenEndpoints}");
        }
    }

    private static BridgeOptions ReadMode(ConfigNode bridge, ErrorCollector errors, BridgeOptions options)
    {
        ConfigNode? node = bridge["Mode"];
        BridgeMode mode = bridge["Target"] is null ? BridgeMode.Spawn : BridgeMode.Forward;
        if (node is not null && NodeReader.TryString(node, errors, out string text))
        {
            switch (text)
            {
                case "spawn":
                    mode = BridgeMode.Spawn;
                    break;
                case "handoff" when IsFifo(options):
                    errors.Add(node, "handoff mode with a fifo: Listen is not supported yet (use spawn or forward)");
                    break;
                case "handoff":
                    mode = BridgeMode.Handoff;
                    break;
                case "forward":
                    mode = BridgeMode.Forward;
                    break;
                default:
                    errors.Add(node, $"\"{text}\" is not a mode (expected spawn, handoff or forward)");
                    break;
            }
        }

        return options with { Mode = mode };
    }

    private BridgeOptions ReadExec(ConfigNode bridge, ErrorCollector errors, BridgeOptions options)
    {
        ConfigNode? node = bridge["Exec"];
        if (node is null)
        {
            if (options.Mode is BridgeMode.Spawn or BridgeMode.Handoff)
            {
                errors.Add(bridge.File, $"{bridge.Path}:Exec", $"is required in {options.Mode.ToString().ToLowerInvariant()} mode (the program to launch, as an argv array)");
            }

            return options;
        }

        if (!node.IsObject && node.Value.ValueKind == System.Text.Json.JsonValueKind.String)
        {
            errors.Add(node, $"must be an argv array, as [\"{node.Value.GetString()}\"], not a string");
            return options;
        }

        if (!NodeReader.TryStringArray(node, errors, out List<string> argv))
        {
            return options;
        }

        if (argv.Count == 0)
        {
            errors.Add(node, "must name a program (an empty array was given)");
            return options;
        }

        if (argv.Any(a => a.Contains('\0', StringComparison.Ordinal)))
        {
            errors.Add(node, "arguments may not contain NUL characters");
            return options;
        }

        for (int i = 0; i < argv.Count; i++)
        {
            if (ArgumentSpace.TooLong(argv[i]) is { } bytes)
            {
                errors.Add(node, $"argument {i} is {bytes} bytes with its NUL; execve(2) takes at most {ArgumentSpace.MaxString} (MAX_ARG_STRLEN)");
                return options;
            }
        }

        if (!ExecResolver.TryResolve(argv[0], environment.GetVariable("PATH"), out string path, out string error))
        {
            errors.Add(node, error);
            return options;
        }

        return options with { Exec = new ExecOptions(path, argv) };
    }

    private BridgeOptions ReadForwarding(ConfigNode bridge, ErrorCollector errors, BridgeOptions options)
    {
        ConfigNode? target = bridge["Target"];
        if (options.Mode == BridgeMode.Forward)
        {
            if (target is null)
            {
                errors.Add(bridge.File, $"{bridge.Path}:Target", "is required in forward mode (the endpoint to connect to, e.g. \"tcp:127.0.0.1:8080\")");
            }
            else if (NodeReader.TryString(target, errors, out string text))
            {
                if (!EndpointParser.TryParse(text, out Endpoint? endpoint, out string error))
                {
                    errors.Add(target, error);
                }
                else if (DatagramTargetProblem(endpoint!) is { } datagram)
                {
                    errors.Add(target, datagram);
                }
                else if (endpoint is TcpEndpoint tcp)
                {
                    if (tcp.IsAnyAddress)
                    {
                        errors.Add(target, $"\"{text}\": a target needs an address to connect to, not *");
                    }
                    else
                    {
                        options = options with { Target = tcp, TargetAddresses = ResolveAddresses(tcp, target.File, target.Path, errors) };
                    }
                }
                else if (endpoint is UnixEndpoint)
                {
                    options = options with { Target = endpoint };
                }
                else if (endpoint is FifoEndpoint)
                {
                    if (bridge["Exec"] is not null)
                    {
                        errors.Add(target, "an on-demand backend (Exec) with a fifo: Target is not supported yet (use tcp: or unix:)");
                    }

                    options = options with { Target = endpoint };
                }
                else
                {
                    errors.Add(target, $"{endpoint!.Scheme}: targets are not supported (expected tcp:, unix:, unix-seqpacket: or fifo:)");
                }
            }

        }
        else if (target is not null)
        {
            errors.Add(target, $"only applies to forward mode, not {options.Mode.ToString().ToLowerInvariant()}");
        }

        if (bridge["ProxyProtocol"] is { } proxy)
        {
            if (options.Mode != BridgeMode.Forward)
            {
                errors.Add(proxy, $"only applies to forward mode, not {options.Mode.ToString().ToLowerInvariant()}");
            }
            else if (IsFifo(options))
            {
                errors.Add(proxy, "does not apply to a fifo: Listen: a FIFO's writers have no address to pass on");
            }
            else if (options.Target is FifoEndpoint)
            {
                errors.Add(proxy, "does not apply to a fifo: Target (it needs a tcp: or unix: backend)");
            }
            else if (NodeReader.TryString(proxy, errors, out string version))
            {
                switch (version)
                {
                    case "v1":
                        options = options with { ProxyProtocol = ProxyProtocolVersion.V1 };
                        break;
                    case "v2":
                        options = options with { ProxyProtocol = ProxyProtocolVersion.V2 };
                        break;
                    default:
                        errors.Add(proxy, $"\"{version}\" is not a PROXY protocol version (expected v1 or v2)");
                        break;
                }
            }
        }

        if (bridge["ExitIdleTime"] is { } exitIdle)
        {
            if (options.Mode != BridgeMode.Forward || bridge["Exec"] is null)
            {
                errors.Add(exitIdle, "only applies to a forward bridge with an Exec (an on-demand backend)");
            }
            else if (NodeReader.TryDuration(exitIdle, errors, out TimeSpan span))
            {
                options = options with { ExitIdleTime = span };
            }
        }

        foreach (string key in (string[])["ConnectTimeout", "IdleTimeout"])
        {
            if (bridge[key] is not { } node)
            {
                continue;
            }

            if (options.Mode != BridgeMode.Forward)
            {
                errors.Add(node, $"only applies to forward mode: in {options.Mode.ToString().ToLowerInvariant()} mode the program owns the connection");
            }
            else if (NodeReader.TryDuration(node, errors, out TimeSpan span))
            {
                if (span <= TimeSpan.Zero)
                {
                    errors.Add(node, "must be longer than zero");
                }
                else
                {
                    options = key == "ConnectTimeout" ? options with { ConnectTimeout = span } : options with { IdleTimeout = span };
                }
            }
        }

        return options;
    }

    private BridgeOptions ReadEnvironment(ConfigNode bridge, ErrorCollector errors, BridgeOptions options)
    {
        var variables = new List<string>();
        ConfigNode? node = bridge["Environment"];
        if (node is not null)
        {
            if (!node.IsObject)
            {
                errors.Add(node, $"must be an object of NAME: \"value\" pairs, not {NodeReader.Describe(node)}");
            }
            else
            {
                foreach (ConfigNode variable in node.Children!.Values)
                {
                    if (CheckVariableName(variable, variable.Name, errors) && NodeReader.TryString(variable, errors, out string value))
                    {
                        if (value.Contains('\0', StringComparison.Ordinal))
                        {
                            errors.Add(variable, "a value may not contain NUL characters");
                            continue;
                        }

                        string assignment = $"{variable.Name}={value}";
                        if (ArgumentSpace.TooLong(assignment) is { } bytes)
                        {
                            errors.Add(variable, $"is {bytes} bytes as {variable.Name}=VALUE with its NUL; execve(2) takes at most {ArgumentSpace.MaxString} (MAX_ARG_STRLEN)");
                            continue;
                        }

                        variables.Add(assignment);
                    }
                }
            }
        }

        int configured = variables.Count;

        node = bridge["PassEnvironment"];
        if (node is not null && NodeReader.TryStringArray(node, errors, out List<string> names))
        {
            foreach (string name in names)
            {
                if (CheckVariableName(node, name, errors))
                {
                    string? value = environment.GetVariable(name);
                    if (value is null)
                    {
                        continue;
                    }

                    string assignment = $"{name}={value}";
                    if (ArgumentSpace.TooLong(assignment) is { } bytes)
                    {
                        errors.Add(node, $"{name} from socketbridge's environment is {bytes} bytes with its NUL; execve(2) takes at most {ArgumentSpace.MaxString} (MAX_ARG_STRLEN)");
                        continue;
                    }

                    variables.Add(assignment);
                }
            }
        }

        return options with { Environment = variables, ConfiguredVariables = configured };
    }

    private static bool CheckVariableName(ConfigNode node, string name, ErrorCollector errors)
    {
        if (name.Length == 0 || name.Contains('=', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal))
        {
            errors.Add(node, $"\"{name}\" is not a valid variable name");
            return false;
        }

        if (ReservedVariables.Names.Contains(name))
        {
            errors.Add(node, $"{name} is set by socketbridge itself for every launched program");
            return false;
        }

        return true;
    }

    private BridgeOptions ReadProcessKeys(ConfigNode bridge, ErrorCollector errors, BridgeOptions options)
    {
        ConfigNode? node = bridge["WorkingDirectory"];
        if (node is not null && NodeReader.TryString(node, errors, out string directory))
        {
            if (!directory.StartsWith('/'))
            {
                errors.Add(node, $"\"{directory}\" must be an absolute path");
            }
            else if (!Directory.Exists(directory))
            {
                errors.Add(node, $"{directory} is not an existing directory");
            }
            else
            {
                options = options with { WorkingDirectory = directory };
            }
        }

        (uint Uid, uint Gid)? user = null;
        uint? group = null;
        ConfigNode? userNode = bridge["User"];
        if (userNode is not null && NodeReader.TryString(userNode, errors, out string userName))
        {
            user = Accounts.FindUser(userName);
            if (user is null)
            {
                errors.Add(userNode, $"there is no user \"{userName}\"");
            }
            else
            {
                options = options with { User = userName };
            }
        }

        ConfigNode? groupNode = bridge["Group"];
        if (groupNode is not null && NodeReader.TryString(groupNode, errors, out string groupName))
        {
            group = Accounts.FindGroup(groupName);
            if (group is null)
            {
                errors.Add(groupNode, $"there is no group \"{groupName}\"");
            }
            else
            {
                options = options with { Group = groupName };
            }
        }

        // As root, a program without User would run as root with every
        // capability: say so rather than do it silently (xinetd too insists
        // on "user"). Group alone leaves the uid 0.
        bool launches = options.Mode is BridgeMode.Spawn or BridgeMode.Handoff || bridge["Exec"] is not null;
        if (launches && userNode is null && environment.EffectiveUid == 0)
        {
            errors.Add(bridge.File, $"{bridge.Path}:User", "is required when socketbridge runs as root: name the account the program runs as, a service account of its own or \"nobody\" (\"User\": \"nobody\"), or \"User\": \"root\" to keep root explicitly");
        }

        if (user is not null || group is not null)
        {
            uint uid = user?.Uid ?? environment.EffectiveUid;
            uint gid = group ?? user?.Gid ?? environment.EffectiveGid;
            if (environment.EffectiveUid != 0 && (uid != environment.EffectiveUid || gid != environment.EffectiveGid))
            {
                errors.Add(userNode ?? groupNode!, "launching programs as another user or group needs the daemon to run as root");
            }
            else
            {
                uint[] groups = user is not null ? Accounts.SupplementaryGroups(uid, gid) : [gid];
                options = options with { Credentials = new Credentials(uid, gid, groups) };
            }
        }

        // The daemon found Exec and WorkingDirectory usable as itself; the
        // program runs as another user, who may not be able to.
        if (options.Credentials is { Uid: not 0 } credentials && credentials.Uid != environment.EffectiveUid)
        {
            var permissions = new UserPermissions(options.User ?? credentials.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture), credentials);
            if (options.Exec is { } exec && permissions.CheckProgram(exec.Path) is { } program)
            {
                errors.Add(bridge["Exec"]!, program);
            }

            if (bridge["WorkingDirectory"] is { } directoryNode && options.WorkingDirectory != "/" && permissions.CheckDirectory(options.WorkingDirectory) is { } unusable)
            {
                errors.Add(directoryNode, unusable);
            }
        }

        node = bridge["StandardError"];
        if (node is not null && NodeReader.TryString(node, errors, out string stderr))
        {
            switch (stderr)
            {
                case "journal":
                    options = options with { StandardError = StandardErrorMode.Journal };
                    break;
                case "socket" when IsFifo(options):
                    errors.Add(node, "a FIFO is read-only: a program reading a fifo: Listen cannot write to it (use journal or null)");
                    break;
                case "socket" when options.Mode == BridgeMode.Handoff:
                    errors.Add(node, "a handoff program has no connection of its own to write to (use journal or null)");
                    break;
                case "socket":
                    options = options with { StandardError = StandardErrorMode.Socket };
                    break;
                case "null":
                    options = options with { StandardError = StandardErrorMode.Null };
                    break;
                default:
                    errors.Add(node, $"\"{stderr}\" is not one of journal, socket or null");
                    break;
            }
        }

        return options;
    }

    private BridgeOptions ReadSocketKeys(ConfigNode bridge, ErrorCollector errors, BridgeOptions options)
    {
        // Listen is empty (unknown) when it had errors of its own.
        bool createsFile = options.Listen.Count == 0 || options.Listen.Any(e => e.FilePath is not null);
        foreach (string key in (string[])["SocketMode", "SocketUser", "SocketGroup"])
        {
            ConfigNode? node = bridge[key];
            if (node is null)
            {
                continue;
            }

            if (!createsFile)
            {
                errors.Add(node, $"only applies to a unix:/path or fifo: endpoint, not {Describe(options.Listen)}");
                continue;
            }

            if (key == "SocketMode" && !node.IsObject && node.Value.ValueKind == System.Text.Json.JsonValueKind.Number)
            {
                errors.Add(node, $"must be an octal string, as \"0{node.Value.GetRawText()}\", not the number {node.Value.GetRawText()}");
                continue;
            }

            if (!NodeReader.TryString(node, errors, out string text))
            {
                continue;
            }

            switch (key)
            {
                case "SocketMode":
                    if (OctalModeParser.TryParse(text, out uint mode, out string error))
                    {
                        options = options with { SocketMode = mode };
                    }
                    else
                    {
                        errors.Add(node, error);
                    }

                    break;
                case "SocketUser":
                    (uint Uid, uint Gid)? user = Accounts.FindUser(text);
                    if (user is null)
                    {
                        errors.Add(node, $"there is no user \"{text}\"");
                    }
                    else if (environment.EffectiveUid != 0 && user.Value.Uid != environment.EffectiveUid)
                    {
                        errors.Add(node, $"giving the socket to user \"{text}\" needs the daemon to run as root");
                    }
                    else
                    {
                        options = options with { SocketUid = user.Value.Uid };
                    }

                    break;
                default:
                    uint? group = Accounts.FindGroup(text);
                    if (group is null)
                    {
                        errors.Add(node, $"there is no group \"{text}\"");
                    }
                    else if (environment.EffectiveUid != 0 && !environment.IsMemberOf(group.Value))
                    {
                        errors.Add(node, $"giving the socket to group \"{text}\" needs the daemon to run as root or as a member of that group");
                    }
                    else
                    {
                        options = options with { SocketGid = group };
                    }

                    break;
            }
        }

        return options;
    }

    private static BridgeOptions ReadAccess(ConfigNode bridge, ErrorCollector errors, BridgeOptions options)
    {
        var ranges = new Dictionary<string, List<Access.CidrRange>>();
        foreach (string key in (string[])["AllowFrom", "DenyFrom"])
        {
            var list = new List<Access.CidrRange>();
            ranges[key] = list;
            if (bridge[key] is not { } node || !CheckAccessApplies(node, options, errors, tcp: true) || !NodeReader.TryStringArray(node, errors, out List<string> texts))
            {
                continue;
            }

            foreach (string text in texts)
            {
                if (Access.CidrRange.TryParse(text, out Access.CidrRange range, out string error))
                {
                    list.Add(range);
                }
                else
                {
                    errors.Add(node, error);
                }
            }
        }

        var users = new HashSet<uint>();
        var groups = new HashSet<uint>();
        if (bridge["AllowUsers"] is { } usersNode && CheckAccessApplies(usersNode, options, errors, tcp: false) && NodeReader.TryStringArray(usersNode, errors, out List<string> userNames))
        {
            foreach (string name in userNames)
            {
                if (Accounts.FindUser(name) is { } user)
                {
                    users.Add(user.Uid);
                }
                else
                {
                    errors.Add(usersNode, $"there is no user \"{name}\"");
                }
            }
        }

        if (bridge["AllowGroups"] is { } groupsNode && CheckAccessApplies(groupsNode, options, errors, tcp: false) && NodeReader.TryStringArray(groupsNode, errors, out List<string> groupNames))
        {
            foreach (string name in groupNames)
            {
                if (Accounts.FindGroup(name) is { } gid)
                {
                    groups.Add(gid);
                }
                else
                {
                    errors.Add(groupsNode, $"there is no group \"{name}\"");
                }
            }
        }

        var policy = new Access.AccessPolicy(ranges["AllowFrom"], ranges["DenyFrom"], users, groups);
        if (!policy.IsOpen)
        {
            options = options with { Access = policy };
        }

        if (bridge["MaxConnectionsPerSource"] is { } perSource && CheckAcceptingMode(perSource, options, errors)
            && NodeReader.TryInteger(perSource, errors, 1, 1_000_000, out int perSourceLimit))
        {
            options = options with { MaxConnectionsPerSource = perSourceLimit };
        }

        if (bridge["RateLimit"] is { } rate && CheckAcceptingMode(rate, options, errors) && NodeReader.TryString(rate, errors, out string rateText))
        {
            if (Access.RateLimit.TryParse(rateText, out Access.RateLimit limit, out string error))
            {
                options = options with { RateLimit = limit };
            }
            else
            {
                errors.Add(rate, error);
            }
        }

        return options;
    }

    /// <summary>Per-source and rate limits apply where the daemon accepts connections.</summary>
    private static bool CheckAcceptingMode(ConfigNode node, BridgeOptions options, ErrorCollector errors)
    {
        if (options.Mode == BridgeMode.Handoff)
        {
            errors.Add(node, "does not apply to handoff mode: the program accepts the connections, not socketbridge");
            return false;
        }

        if (IsFifo(options))
        {
            errors.Add(node, $"does not apply to {Describe(options.Listen)}: a FIFO has sessions, not connections from sources");
            return false;
        }

        return true;
    }

    /// <summary>Address lists apply to TCP listeners, credential lists to Unix ones; neither to what the daemon does not accept.</summary>
    private static bool CheckAccessApplies(ConfigNode node, BridgeOptions options, ErrorCollector errors, bool tcp)
    {
        if (options.Mode == BridgeMode.Handoff)
        {
            errors.Add(node, "does not apply to handoff mode: the program accepts the connections, not socketbridge");
            return false;
        }

        // It applies when one endpoint at least has such clients: on a bridge
        // listening on both, each list judges its own kind of client. A passed
        // socket's kind is known only at start; an unknown Listen (it had
        // errors) says nothing.
        bool applies = options.Listen.Count == 0
            || options.Listen.Any(e => e.IsPassed || (tcp ? e.IsTcp : e.IsUnix));
        if (!applies)
        {
            errors.Add(node, tcp
                ? $"applies to TCP clients, not to {Describe(options.Listen)} (use AllowUsers or AllowGroups for Unix sockets)"
                : $"applies to Unix-socket clients, not to {Describe(options.Listen)} (use AllowFrom or DenyFrom for TCP)");
        }

        return applies;
    }

    private static bool IsFifo(BridgeOptions options) => options.Listen.Any(e => e.Endpoint is FifoEndpoint);

    /// <summary>Listen's endpoints as messages show them.</summary>
    private static string Describe(IReadOnlyList<ListenEndpoint> listen) => string.Join(", ", listen);

    private static BridgeOptions ReadLimits(ConfigNode bridge, ErrorCollector errors, BridgeOptions options)
    {
        if (bridge["Backlog"] is { } backlog && NodeReader.TryInteger(backlog, errors, 1, 65535, out int b))
        {
            options = options with { Backlog = b };
        }

        // Defaults by mode: a forward bridge holds no process per connection,
        // and its clients are the ones that open many at once.
        bool forward = options.Mode == BridgeMode.Forward;
        options = options with { MaxConnections = forward ? BridgeOptions.DefaultForwardMaxConnections : BridgeOptions.DefaultMaxConnections };
        if (bridge["MaxConnections"] is { } max && NodeReader.TryInteger(max, errors, 1, 1_000_000, out int m))
        {
            options = options with { MaxConnections = m };
        }

        // Queueing stops accepting, so the kernel's listen backlog holds the
        // clients: only where the daemon accepts from a socket.
        bool canQueue = options.Mode != BridgeMode.Handoff && !IsFifo(options);
        options = options with { OnLimit = forward && canQueue ? OnLimitPolicy.Queue : OnLimitPolicy.Refuse };
        if (bridge["OnLimit"] is { } onLimit && NodeReader.TryString(onLimit, errors, out string policy))
        {
            switch (policy)
            {
                case "refuse" or "queue" when options.Mode == BridgeMode.Handoff:
                    errors.Add(onLimit, "does not apply to handoff mode: one program runs at a time and accepts the connections itself, so the kernel's backlog already holds the waiting clients");
                    break;
                case "queue" when !canQueue:
                    errors.Add(onLimit, $"\"queue\" does not apply to {options.Listen[0].Endpoint}: a FIFO has no listen backlog to hold waiting writers (use refuse)");
                    break;
                case "refuse":
                    options = options with { OnLimit = OnLimitPolicy.Refuse };
                    break;
                case "queue":
                    options = options with { OnLimit = OnLimitPolicy.Queue };
                    break;
                default:
                    errors.Add(onLimit, $"\"{policy}\" is not one of refuse or queue");
                    break;
            }
        }

        if (bridge["NoDelay"] is { } noDelay && NodeReader.TryBoolean(noDelay, errors, out bool n))
        {
            options = options with { NoDelay = n };
        }

        return options;
    }
}
