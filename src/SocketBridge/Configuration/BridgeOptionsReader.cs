using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using SocketBridge.Endpoints;
using SocketBridge.Native;

namespace SocketBridge.Configuration;

/// <summary>Reads and validates one entry of <c>Bridges</c> (SPEC 3), reporting every problem.</summary>
internal sealed partial class BridgeOptionsReader(IConfigurationResolver environment)
{
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
            if (BridgeKeys.Find(key.Name) is null)
            {
                errors.Add(key, KeySuggestion.ForUnknownBridgeKey(key.Name));
            }
        }

        // First what the bridge is (its endpoints, mode, program and target),
        // each from its own keys; then every other key, read against those.
        var socketOptionsReader = new SocketOptionsReader(environment);
        SocketOptions socketOptions = socketOptionsReader.Read(bridge, errors);
        IReadOnlyList<ListenEndpoint>? listen = ReadListen(bridge, errors, socketOptions);
        socketOptionsReader.CheckApplies(bridge, errors, listen ?? [], socketOptions);
        BridgeMode mode = ReadMode(bridge, errors, listen);
        HandoffSocketsRule.Check(bridge, errors, mode, listen);
        ExecOptions? exec = ReadExec(bridge, errors, mode);
        Endpoint? target = ReadTarget(bridge, errors, mode, out IReadOnlyList<IPEndPoint> targetAddresses);
        var shape = new BridgeShape(bridge, mode, listen, target);

        ForwardOptions? forward = ReadForwarding(shape, errors, targetAddresses);
        ProgramOptions? program = ReadProgram(shape, errors, exec);
        ListenOptions? listenOptions = ReadListenSettings(shape, errors, socketOptions);
        ConnectionLimits limits = ReadLimits(shape, errors);
        AccessRules access = ReadAccess(shape, errors);
        SocketTypeRules.Check(shape, errors);
        StandardInputMode standardInput = ReadStandardInput(shape, errors);
        if (program is not null)
        {
            ArgumentSpaceRule.Check(bridge, errors, program, listen ?? []);
        }

        if (errors.Errors.Count != before || listenOptions is null)
        {
            return null;
        }

        var options = new BridgeOptions
        {
            Name = bridge.Name,
            File = bridge.File,
            Listen = listenOptions,
            Mode = mode,
            Program = program is null ? null : program with { StandardInput = standardInput },
            Forward = forward,
            MaxConnections = limits.MaxConnections,
            OnLimit = limits.OnLimit,
            NoDelay = limits.NoDelay,
            Access = access.Policy,
            MaxConnectionsPerSource = access.MaxConnectionsPerSource,
            RateLimit = access.RateLimit,
        };

        // Only for a bridge otherwise valid: it looks at the machine, as binding will.
        SocketDirectoryRule.Check(bridge, errors, options.Listen, environment);
        if (errors.Errors.Count != before)
        {
            return null;
        }

        AccessWarnings.OpenToEveryUser(bridge, errors, options);
        AccessWarnings.TcpUnrestricted(bridge, errors, options);
        return options;
    }

    /// <summary>Listen's endpoints, each with the part of <paramref name="socketOptions"/> that applies to it.</summary>
    private List<ListenEndpoint>? ReadListen(ConfigNode bridge, ErrorCollector errors, SocketOptions socketOptions)
    {
        ConfigNode? node = bridge["Listen"];
        if (node is null)
        {
            errors.Add(bridge.File, $"{bridge.Path}:Listen", "is required (the endpoint to listen on, e.g. \"tcp:127.0.0.1:8080\", or an array of them)");
            return null;
        }

        // One endpoint as a string, or several as an array, as a .socket unit takes several ListenStream=.
        var texts = new List<string>();
        if (node.IsArray)
        {
            int count = node.Items?.Count ?? node.Value.GetArrayLength();
            if (count == 0)
            {
                errors.Add(node, "must name at least one endpoint (an empty array was given)");
                return null;
            }

            if (count > MaxListenEndpoints)
            {
                errors.Add(node, $"has {count} endpoints; a bridge takes at most {MaxListenEndpoints}");
                return null;
            }

            if (node.Items is { } arguments)
            {
                texts.AddRange(arguments);
            }
            else
            {
                int index = 0;
                foreach (System.Text.Json.JsonElement element in node.Value.EnumerateArray())
                {
                    if (element.ValueKind == System.Text.Json.JsonValueKind.String)
                    {
                        texts.Add(element.GetString()!);
                    }
                    else
                    {
                        errors.Add(node.File, ListenKeys.Key(node, index), $"must be an endpoint string, not {NodeReader.Describe(element)}");
                    }

                    index++;
                }
            }

            if (texts.Count != count)
            {
                return null;
            }
        }
        else if (node.IsString)
        {
            texts.Add(node.Text ?? node.Value.GetString()!);
        }
        else
        {
            errors.Add(node, $"must be an endpoint string or an array of them, not {NodeReader.Describe(node)}");
            return null;
        }

        var endpoints = new List<ListenEndpoint>();
        for (int i = 0; i < texts.Count; i++)
        {
            if (ReadListenEndpoint(texts[i], node.File, ListenKeys.Key(node, i), errors) is { } endpoint)
            {
                // Before the overlap check: BindIPv6Only decides what [::] and * cover.
                endpoints.Add(endpoint.With(socketOptions));
            }
        }

        // Until every endpoint is valid the bridge's Listen is unknown, so the
        // checks of other keys against it say nothing (the error above is the news).
        if (endpoints.Count != texts.Count || !ListenSetRule.Check(node, endpoints, errors))
        {
            return null;
        }

        return endpoints;
    }

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
                List<IPEndPoint> addresses = ResolveAddresses(inet, file, key, errors);
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

    /// <summary>The addresses a tcp: or udp: endpoint binds: one for <c>*</c> or a literal, those of a host name resolved now.</summary>
    public List<IPEndPoint> ResolveAddresses(InetEndpoint tcp, string file, string key, ErrorCollector errors)
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

    private static BridgeMode ReadMode(ConfigNode bridge, ErrorCollector errors, IReadOnlyList<ListenEndpoint>? listen)
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
                case "handoff" when listen is not null && listen.Any(e => e.Endpoint is FifoEndpoint):
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

        return mode;
    }

    private ExecOptions? ReadExec(ConfigNode bridge, ErrorCollector errors, BridgeMode mode)
    {
        ConfigNode? node = bridge["Exec"];
        if (node is null)
        {
            if (mode is BridgeMode.Spawn or BridgeMode.Handoff)
            {
                errors.Add(bridge.File, $"{bridge.Path}:Exec", $"is required in {mode.ToString().ToLowerInvariant()} mode (the program to launch, as an argv array)");
            }

            return null;
        }

        if (node.IsString)
        {
            errors.Add(node, $"must be an argv array, as [\"{node.Text ?? node.Value.GetString()}\"], not a string");
            return null;
        }

        if (!NodeReader.TryStringArray(node, errors, out List<string> argv))
        {
            return null;
        }

        if (argv.Count == 0)
        {
            errors.Add(node, "must name a program (an empty array was given)");
            return null;
        }

        if (argv.Any(a => a.Contains('\0', StringComparison.Ordinal)))
        {
            errors.Add(node, "arguments may not contain NUL characters");
            return null;
        }

        for (int i = 0; i < argv.Count; i++)
        {
            if (ArgumentSpace.TooLong(argv[i]) is { } bytes)
            {
                errors.Add(node, $"argument {i} is {bytes} bytes with its NUL; execve(2) takes at most {ArgumentSpace.MaxString} (MAX_ARG_STRLEN)");
                return null;
            }
        }

        if (!environment.TryResolveProgram(argv[0], out string path, out string error))
        {
            errors.Add(node, error);
            return null;
        }

        return new ExecOptions(path, argv);
    }

    /// <summary>A forward bridge's Target, with its addresses resolved when it is TCP; null when invalid or not forward.</summary>
    private Endpoint? ReadTarget(ConfigNode bridge, ErrorCollector errors, BridgeMode mode, out IReadOnlyList<IPEndPoint> addresses)
    {
        addresses = [];
        ConfigNode? target = bridge["Target"];
        if (mode != BridgeMode.Forward)
        {
            if (target is not null)
            {
                ModeRule.Check(BridgeKeys.Target, target, mode, errors);
            }

            return null;
        }

        if (target is null)
        {
            errors.Add(bridge.File, $"{bridge.Path}:Target", "is required in forward mode (the endpoint to connect to, e.g. \"tcp:127.0.0.1:8080\")");
            return null;
        }

        if (!NodeReader.TryString(target, errors, out string text))
        {
            return null;
        }

        if (!EndpointParser.TryParse(text, out Endpoint? endpoint, out string error))
        {
            errors.Add(target, error);
            return null;
        }

        if (SocketTypeRules.DatagramTargetProblem(endpoint!) is { } datagram)
        {
            errors.Add(target, datagram);
            return null;
        }

        switch (endpoint)
        {
            case TcpEndpoint { IsAnyAddress: true }:
                errors.Add(target, $"\"{text}\": a target needs an address to connect to, not *");
                return null;
            case TcpEndpoint tcp:
                addresses = ResolveAddresses(tcp, target.File, target.Path, errors);
                return tcp;
            case UnixEndpoint:
                return endpoint;
            case FifoEndpoint:
                TargetRules.CheckBackend(bridge, target, endpoint, errors);
                return endpoint;
            default:
                errors.Add(target, $"{endpoint!.Scheme}: targets are not supported (expected tcp:, unix:, unix-seqpacket: or fifo:)");
                return null;
        }
    }

    /// <summary>The keys of forward mode besides Target; the part is null unless the bridge forwards to a valid Target.</summary>
    private static ForwardOptions? ReadForwarding(BridgeShape shape, ErrorCollector errors, IReadOnlyList<IPEndPoint> targetAddresses)
    {
        ConfigNode bridge = shape.Bridge;
        var proxyProtocol = ProxyProtocolVersion.None;
        TimeSpan? exitIdleTime = null;
        TimeSpan? connectTimeout = null;
        TimeSpan? idleTimeout = null;
        if (KeyRules.Applying(BridgeKeys.ProxyProtocol, shape, errors) is { } proxy && TargetRules.CheckProxyProtocol(shape, proxy, errors))
        {
            if (NodeReader.TryString(proxy, errors, out string version))
            {
                switch (version)
                {
                    case "v1":
                        proxyProtocol = ProxyProtocolVersion.V1;
                        break;
                    case "v2":
                        proxyProtocol = ProxyProtocolVersion.V2;
                        break;
                    default:
                        errors.Add(proxy, $"\"{version}\" is not a PROXY protocol version (expected v1 or v2)");
                        break;
                }
            }
        }

        if (KeyRules.Applying(BridgeKeys.ExitIdleTime, shape, errors) is { } exitIdle && TargetRules.CheckExitIdleTime(shape, exitIdle, errors)
            && NodeReader.TryDuration(exitIdle, errors, out TimeSpan idle))
        {
            exitIdleTime = idle;
        }

        foreach (BridgeKey key in (BridgeKey[])[BridgeKeys.ConnectTimeout, BridgeKeys.IdleTimeout])
        {
            if (KeyRules.Applying(key, shape, errors) is not { } node)
            {
                continue;
            }

            if (NodeReader.TryDuration(node, errors, out TimeSpan span))
            {
                if (span <= TimeSpan.Zero)
                {
                    errors.Add(node, "must be longer than zero");
                }
                else
                {
                    if (key == BridgeKeys.ConnectTimeout)
                    {
                        connectTimeout = span;
                    }
                    else
                    {
                        idleTimeout = span;
                    }
                }
            }
        }

        if (shape.Mode != BridgeMode.Forward || shape.Target is not { } target)
        {
            return null;
        }

        var forward = new ForwardOptions { Target = target, TargetAddresses = targetAddresses, ProxyProtocol = proxyProtocol, ExitIdleTime = exitIdleTime, IdleTimeout = idleTimeout };
        return connectTimeout is { } connect ? forward with { ConnectTimeout = connect } : forward;
    }

    /// <summary>
    /// The keys of the program (Environment, PassEnvironment, WorkingDirectory,
    /// User, Group, StandardError, and the sandbox's), checked whether or not there is one; the
    /// part is null without an Exec.
    /// </summary>
    private ProgramOptions? ReadProgram(BridgeShape shape, ErrorCollector errors, ExecOptions? exec)
    {
        (List<string> variables, int configured) = ReadEnvironment(shape.Bridge, errors);
        ProcessSettings process = ReadProcessKeys(shape, errors, exec);
        (Sandbox sandbox, TimeSpan? runtimeMax) = SandboxReader.Read(shape.Bridge, environment, errors, exec, process.WorkingDirectory);
        return exec is null ? null : new ProgramOptions
        {
            Exec = exec,
            Environment = variables,
            ConfiguredVariables = configured,
            WorkingDirectory = process.WorkingDirectory,
            Credentials = process.Credentials,
            User = process.User,
            Group = process.Group,
            StandardError = process.StandardError,
            Sandbox = sandbox,
            RuntimeMax = runtimeMax,
        };
    }

    private (List<string> Variables, int Configured) ReadEnvironment(ConfigNode bridge, ErrorCollector errors)
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

        return (variables, configured);
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

    /// <summary>The keys of the program besides its Exec and environment, as read.</summary>
    private readonly record struct ProcessSettings(string WorkingDirectory, Credentials? Credentials, string? User, string? Group, StandardErrorMode StandardError);

    private ProcessSettings ReadProcessKeys(BridgeShape shape, ErrorCollector errors, ExecOptions? exec)
    {
        ConfigNode bridge = shape.Bridge;
        var settings = new ProcessSettings("/", null, null, null, StandardErrorMode.Journal);
        ConfigNode? node = bridge["WorkingDirectory"];
        if (node is not null && NodeReader.TryString(node, errors, out string directory))
        {
            if (!directory.StartsWith('/'))
            {
                errors.Add(node, $"\"{directory}\" must be an absolute path");
            }
            else if (!environment.DirectoryExists(directory))
            {
                errors.Add(node, $"{directory} is not an existing directory");
            }
            else
            {
                settings = settings with { WorkingDirectory = directory };
            }
        }

        (uint Uid, uint Gid)? user = null;
        uint? group = null;
        ConfigNode? userNode = bridge["User"];
        if (userNode is not null && NodeReader.TryString(userNode, errors, out string userName))
        {
            user = environment.FindUser(userName);
            if (user is null)
            {
                errors.Add(userNode, $"there is no user \"{userName}\"");
            }
            else
            {
                settings = settings with { User = userName };
            }
        }

        ConfigNode? groupNode = bridge["Group"];
        if (groupNode is not null && NodeReader.TryString(groupNode, errors, out string groupName))
        {
            group = environment.FindGroup(groupName);
            if (group is null)
            {
                errors.Add(groupNode, $"there is no group \"{groupName}\"");
            }
            else
            {
                settings = settings with { Group = groupName };
            }
        }

        ProgramAccountRules.CheckUserNamed(shape, environment, errors);
        if (user is not null || group is not null)
        {
            uint uid = user?.Uid ?? environment.EffectiveUid;
            uint gid = group ?? user?.Gid ?? environment.EffectiveGid;
            if (ProgramAccountRules.CheckCanSwitch(bridge, uid, gid, environment, errors))
            {
                uint[] groups = user is not null ? environment.SupplementaryGroups(uid, gid) : [gid];
                settings = settings with { Credentials = new Credentials(uid, gid, groups) };
            }
        }

        ProgramAccountRules.CheckAccountCanUse(bridge, settings.Credentials, settings.User, exec, settings.WorkingDirectory, environment, errors);

        node = bridge["StandardError"];
        if (node is not null && NodeReader.TryString(node, errors, out string stderr))
        {
            switch (stderr)
            {
                case "journal":
                    settings = settings with { StandardError = StandardErrorMode.Journal };
                    break;
                case "socket" when StandardErrorRule.SocketProblem(shape) is { } problem:
                    errors.Add(node, problem);
                    break;
                case "socket":
                    settings = settings with { StandardError = StandardErrorMode.Socket };
                    break;
                case "null":
                    settings = settings with { StandardError = StandardErrorMode.Null };
                    break;
                default:
                    errors.Add(node, $"\"{stderr}\" is not one of journal, socket or null");
                    break;
            }
        }

        return settings;
    }

    /// <summary>The socket file's mode and owner, the backlog and the socket options; null while Listen is unknown.</summary>
    private ListenOptions? ReadListenSettings(BridgeShape shape, ErrorCollector errors, SocketOptions socketOptions)
    {
        ConfigNode bridge = shape.Bridge;
        var options = new ListenOptions { Endpoints = shape.Endpoints, SocketOptions = socketOptions };

        foreach (BridgeKey socketKey in (BridgeKey[])[BridgeKeys.SocketMode, BridgeKeys.SocketUser, BridgeKeys.SocketGroup])
        {
            string key = socketKey.Name;
            if (KeyRules.Applying(socketKey, shape, errors) is not { } node)
            {
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
                    (uint Uid, uint Gid)? user = environment.FindUser(text);
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
                    uint? group = environment.FindGroup(text);
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

        if (bridge["Backlog"] is { } backlog && NodeReader.TryInteger(backlog, errors, 1, 65535, out int b))
        {
            options = options with { Backlog = b };
        }

        return shape.Listen is null ? null : options;
    }

    /// <summary>AllowFrom, DenyFrom, AllowUsers and AllowGroups, MaxConnectionsPerSource and RateLimit, as read.</summary>
    private readonly record struct AccessRules(Access.AccessPolicy Policy, int? MaxConnectionsPerSource, Access.RateLimit? RateLimit);

    private AccessRules ReadAccess(BridgeShape shape, ErrorCollector errors)
    {
        ConfigNode bridge = shape.Bridge;
        var rules = new AccessRules(Access.AccessPolicy.Everyone, null, null);
        var ranges = new Dictionary<string, List<Access.CidrRange>>();
        foreach (BridgeKey key in (BridgeKey[])[BridgeKeys.AllowFrom, BridgeKeys.DenyFrom])
        {
            var list = new List<Access.CidrRange>();
            ranges[key.Name] = list;
            if (KeyRules.Applying(key, shape, errors) is not { } node || !NodeReader.TryStringArray(node, errors, out List<string> texts))
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
        if (KeyRules.Applying(BridgeKeys.AllowUsers, shape, errors) is { } usersNode && NodeReader.TryStringArray(usersNode, errors, out List<string> userNames))
        {
            foreach (string name in userNames)
            {
                if (environment.FindUser(name) is { } user)
                {
                    users.Add(user.Uid);
                }
                else
                {
                    errors.Add(usersNode, $"there is no user \"{name}\"");
                }
            }
        }

        if (KeyRules.Applying(BridgeKeys.AllowGroups, shape, errors) is { } groupsNode && NodeReader.TryStringArray(groupsNode, errors, out List<string> groupNames))
        {
            foreach (string name in groupNames)
            {
                if (environment.FindGroup(name) is { } gid)
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
            rules = rules with { Policy = policy };
        }

        if (KeyRules.Applying(BridgeKeys.MaxConnectionsPerSource, shape, errors) is { } perSource
            && NodeReader.TryInteger(perSource, errors, 1, 1_000_000, out int perSourceLimit))
        {
            rules = rules with { MaxConnectionsPerSource = perSourceLimit };
        }

        if (KeyRules.Applying(BridgeKeys.RateLimit, shape, errors) is { } rate && NodeReader.TryString(rate, errors, out string rateText))
        {
            if (Access.RateLimit.TryParse(rateText, out Access.RateLimit limit, out string error))
            {
                rules = rules with { RateLimit = limit };
            }
            else
            {
                errors.Add(rate, error);
            }
        }

        return rules;
    }

    /// <summary>MaxConnections, OnLimit and NoDelay, as read or defaulted by mode.</summary>
    private readonly record struct ConnectionLimits(int MaxConnections, OnLimitPolicy OnLimit, bool NoDelay);

    private static ConnectionLimits ReadLimits(BridgeShape shape, ErrorCollector errors)
    {
        ConfigNode bridge = shape.Bridge;

        // Defaults by mode: a forward bridge holds no process per connection,
        // and its clients are the ones that open many at once.
        bool forward = shape.Mode == BridgeMode.Forward;
        var options = new ConnectionLimits(forward ? BridgeOptions.DefaultForwardMaxConnections : BridgeOptions.DefaultMaxConnections, OnLimitPolicy.Refuse, NoDelay: true);
        if (bridge["MaxConnections"] is { } max && NodeReader.TryInteger(max, errors, 1, 1_000_000, out int m))
        {
            options = options with { MaxConnections = m };
        }

        // Queueing stops accepting, so the kernel's listen backlog holds the
        // clients: only where the daemon accepts from a socket.
        bool canQueue = shape.Mode != BridgeMode.Handoff && !shape.IsFifo;
        options = options with { OnLimit = forward && canQueue ? OnLimitPolicy.Queue : OnLimitPolicy.Refuse };
        if (bridge["OnLimit"] is { } onLimit && NodeReader.TryString(onLimit, errors, out string policy))
        {
            switch (policy)
            {
                case "refuse" or "queue" when !BridgeKeys.OnLimit.AppliesTo(shape.Mode):
                    errors.Add(onLimit, ModeRule.Message(BridgeKeys.OnLimit, shape.Mode));
                    break;
                case "queue" when !canQueue:
                    errors.Add(onLimit, $"\"queue\" does not apply to {shape.Endpoints[0].Endpoint}: a FIFO has no listen backlog to hold waiting writers (use refuse)");
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

    /// <summary>
    /// StandardInput: <c>null</c> (stdin /dev/null, stdout to the log) or
    /// <c>socket</c> (the first socket also on fds 0 and 1, as inetd's wait
    /// services expect it). Only a handoff program gets a listening socket.
    /// </summary>
    private static StandardInputMode ReadStandardInput(BridgeShape shape, ErrorCollector errors)
    {
        if (KeyRules.Applying(BridgeKeys.StandardInput, shape, errors) is not { } node || !NodeReader.TryString(node, errors, out string text))
        {
            return StandardInputMode.Null;
        }

        switch (text)
        {
            case "null":
                return StandardInputMode.Null;
            case "socket":
                return StandardInputMode.Socket;
            default:
                errors.Add(node, $"\"{text}\" is not one of null or socket");
                return StandardInputMode.Null;
        }
    }
}
