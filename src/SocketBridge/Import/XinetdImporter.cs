using System.Collections.Frozen;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SocketBridge.Access;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;
using SocketBridge.Native;

namespace SocketBridge.Import;

/// <summary>
/// <c>socketbridge import xinetd</c>: each <c>service</c> of an xinetd file
/// (xinetd.conf(5)) that accepts TCP connections becomes a bridge: spawn for
/// <c>wait = no</c>, handoff for <c>wait = yes</c>, forward for
/// <c>redirect</c>; a UDP service (<c>socket_type = dgram</c>, <c>wait = yes</c>)
/// a handoff bridge on a <c>udp:</c> endpoint. A <c>defaults</c> section applies to the services after
/// it, in that file and in the files given after it, so /etc/xinetd.conf
/// goes first. Every attribute without an equivalent is noted once.
/// </summary>
internal sealed class XinetdImporter(Func<ServicesDatabase> services) : IJobImporter
{
    private static readonly string[] Everyone = ["0.0.0.0/0", "::/0"];

    private readonly Lazy<ServicesDatabase> _services = new(services);
    private readonly HashSet<ImportNote> _reported = [];
    private XinetdAttributes _defaults = XinetdAttributes.Empty;
    private int _servicesSeen;

    public XinetdImporter()
        : this(ServicesDatabase.System)
    {
    }

    public string Format => "xinetd";

    public string FileDescription => "xinetd files (/etc/xinetd.conf first, for its defaults, then /etc/xinetd.d/*)";

    public ImportedJob Import(string path) => Translate(path, File.ReadAllText(path));

    /// <summary>Translates the sections of one file from its text; reads no file. Defaults carry over to later calls.</summary>
    public ImportedJob Translate(string path, string text)
    {
        var notes = new List<ImportNote>();
        IReadOnlyList<XinetdSection> sections = XinetdParser.Parse(path, text, notes);
        var bridges = new List<ImportedBridge>();
        foreach (XinetdSection section in sections)
        {
            if (section.IsDefaults)
            {
                ReadDefaults(section, notes);
                continue;
            }

            _servicesSeen++;
            XinetdAttributes attributes = XinetdAttributes.Resolve(_defaults, section, notes);
            if (new Translation(section, attributes, _defaults, _services.Value, notes).Run() is { } bridge)
            {
                bridges.Add(bridge);
            }
        }

        if (!sections.Any(s => !s.IsDefaults))
        {
            notes.Add(ImportNote.Skipped(path, sections.Count > 0 ? "no service section (its defaults apply to the services of the files after it)" : "no service section"));
        }
        else if (bridges.Count == 0)
        {
            notes.Add(ImportNote.Skipped(path, "none of its services can be translated"));
        }

        // Defaults are noted where they are, once, not again for every service they apply to.
        List<ImportNote> fresh = [.. notes.Where(_reported.Add)];
        return new ImportedJob(path, bridges, [.. fresh.OrderBy(n => n.File == path ? 0 : 1).ThenBy(n => n.Line ?? int.MaxValue)]);
    }

    private void ReadDefaults(XinetdSection section, List<ImportNote> notes)
    {
        if (_servicesSeen > 0)
        {
            notes.Add(new ImportNote(section.File, section.Line, "defaults", "applies only to the services after it: give the file with the defaults (/etc/xinetd.conf) first"));
        }

        _defaults = XinetdAttributes.Resolve(_defaults, section, notes);
        foreach (XinetdAttribute attribute in section.Attributes)
        {
            if (XinetdAttributeReasons.ServiceOnly.Contains(attribute.Name))
            {
                notes.Add(ImportNote.NotTranslated(attribute.File, attribute.Line, attribute.Name, XinetdAttributeReasons.NotInDefaults));
            }
            else if (attribute.Name is not ("enabled" or "disabled") && XinetdAttributeReasons.NotTranslated.TryGetValue(attribute.Name, out string? why))
            {
                notes.Add(ImportNote.NotTranslated(attribute.File, attribute.Line, attribute.Name, why));
            }
        }
    }

    /// <summary>One service's translation, collecting its notes.</summary>
    private sealed class Translation(XinetdSection section, XinetdAttributes attributes, XinetdAttributes defaults, ServicesDatabase services, List<ImportNote> notes)
    {
        /// <summary>The attributes this translation reads; the others are noted.</summary>
        private static readonly FrozenSet<string> Translated = new[]
        {
            "id", "type", "flags", "disable", "socket_type", "protocol", "wait", "user", "group", "instances", "server",
            "server_args", "only_from", "no_access", "env", "passenv", "port", "redirect", "bind", "interface",
            "per_source", "cps", "groups", "v6only", "nice", "umask", "rlimit_as", "rlimit_cpu", "rlimit_data", "rlimit_stack",
            "rlimit_files",
        }.ToFrozenSet(StringComparer.Ordinal);

        /// <summary>The rlimit_* attributes with a Limit* key (rlimit_rss has none: Linux ignores it).</summary>
        private static readonly (string Name, ResourceKind Kind)[] Limits =
        [
            ("rlimit_files", ResourceKind.OpenFiles), ("rlimit_as", ResourceKind.AddressSpace), ("rlimit_data", ResourceKind.Data),
            ("rlimit_cpu", ResourceKind.CpuTime), ("rlimit_stack", ResourceKind.Stack),
        ];

        /// <summary>What a redirected service ignores: it launches no program.</summary>
        private static readonly string[] ProgramAttributes =
        [
            "server", "server_args", "user", "group", "env", "passenv", "nice", "umask", "rlimit_as", "rlimit_cpu", "rlimit_data",
            "rlimit_stack", "rlimit_files",
        ];

        private readonly string _subject = $"service {section.Name}";

        private string _id = section.Name;

        public ImportedBridge? Run()
        {
            _id = attributes["id"]?.Single ?? section.Name;
            if (SkipReason() is { } why)
            {
                notes.Add(new ImportNote(section.File, section.Line, _subject, $"skipped: {why}"));
                return null;
            }

            if (TranslateListen() is not { } listen)
            {
                return null;
            }

            XinetdValue? redirect = attributes["redirect"];
            string mode = redirect is not null ? "forward" : attributes["wait"]?.Single == "yes" ? "handoff" : "spawn";
            bool datagram = attributes["socket_type"]?.Single == "dgram";
            var bridge = new ImportedBridge
            {
                Name = BridgeNames.FromJobName(_id),
                File = section.File,
                Listen = listen,
                Mode = mode,
            };

            if (redirect is not null)
            {
                if (TranslateRedirect(redirect) is not { } target)
                {
                    return null;
                }

                bridge = bridge with { Target = target };
                NotApplied(ProgramAttributes, "a redirected service launches no program");
                if (attributes["wait"]?.Single == "yes")
                {
                    Note(attributes["wait"]!, "not translated: a redirect forwards each connection (xinetd ignores wait = yes for it)");
                }
            }
            else
            {
                if (TranslateServer(mode == "handoff") is not { } exec)
                {
                    return null;
                }

                // A bridge that launches a program names its User when the
                // daemon runs as root: a service without one is written
                // with root, said out loud, rather than left to fail the check.
                string? user = attributes["user"]?.Single;
                if (user is null)
                {
                    notes.Add(new ImportNote(section.File, section.Line, _subject, $"User \"root\": the service names no user; {ImportNote.LessPrivileged}"));
                }

                bridge = TranslateProcess(TranslateEnvironment(bridge with
                {
                    Exec = exec,
                    StandardInput = mode == "handoff" ? "socket" : null,
                    User = user ?? "root",
                    Group = attributes["group"]?.Single,
                }));
                if (attributes["groups"] is { Single: "no" } groups && attributes["user"] is not null)
                {
                    Note(groups, "not translated: a bridge's User always gets that user's supplementary groups, as with groups = yes");
                }
            }

            bridge = mode == "handoff" ? NoteLimitsOfHandoff(bridge, datagram) : TranslateLimits(TranslateAccess(bridge));
            bridge = TranslateFlags(bridge, datagram);
            NoteOthers();
            if (bridge.Name != _id)
            {
                notes.Add(new ImportNote(section.File, section.Line, _subject, $"bridge name {bridge.Name}, from \"{_id}\": a bridge name is [a-z0-9][a-z0-9._-]*"));
            }

            return bridge;
        }

        /// <summary>Why the service is not translated at all, or null.</summary>
        private string? SkipReason()
        {
            if (attributes["disable"]?.Single == "yes")
            {
                return "disable = yes: xinetd does not run it (import it without that line to have a bridge)";
            }

            if (defaults["disabled"] is { } disabled && disabled.Values.Contains(_id))
            {
                return $"the defaults at {disabled.Source.File}:{disabled.Source.Line} list it as disabled";
            }

            if (defaults["enabled"] is { } enabled && !enabled.Values.Contains(_id))
            {
                return $"the defaults at {enabled.Source.File}:{enabled.Source.Line} enable only {enabled.Text}";
            }

            IReadOnlyList<string> types = attributes["type"]?.Values ?? [];
            if (types.Contains("INTERNAL"))
            {
                string instead = XinetdAttributeReasons.InternalEquivalents.TryGetValue(section.Name, out string? equivalent)
                    ? $"; a bridge with {equivalent} does the same"
                    : string.Empty;
                return $"type = INTERNAL: xinetd answers it itself, and socketbridge has no built-in services{instead}";
            }

            if (types.Contains("RPC"))
            {
                return "type = RPC: socketbridge does not register RPC programs with the portmapper";
            }

            if (types.Contains("TCPMUX") || types.Contains("TCPMUXPLUS"))
            {
                return "type = TCPMUX: socketbridge has no TCPMUX (RFC 1078) multiplexer";
            }

            string? socketType = attributes["socket_type"]?.Single;
            if (socketType is null)
            {
                return "no socket_type (xinetd needs one; socketbridge bridges socket_type = stream and dgram)";
            }

            if (socketType is not ("stream" or "dgram"))
            {
                return $"socket_type = {socketType}: socketbridge bridges TCP (stream) and UDP (dgram) services, not raw or seqpacket sockets";
            }

            string expected = socketType == "dgram" ? "udp" : "tcp";
            string? protocol = attributes["protocol"]?.Single;
            if (protocol is not null && protocol != expected)
            {
                return $"protocol = {attributes["protocol"]!.Text}: socketbridge bridges socket_type = {socketType} over {expected.ToUpperInvariant()}";
            }

            if (socketType == "dgram")
            {
                if (attributes["redirect"] is not null)
                {
                    return "redirect with socket_type = dgram: xinetd redirects TCP connections only";
                }

                if (attributes["wait"]?.Single == "no")
                {
                    return "socket_type = dgram with wait = no: socketbridge serves a datagram socket in handoff mode only (wait = yes), one program reading the datagrams; it starts no program per datagram";
                }
            }

            if (attributes["redirect"] is null && attributes["wait"]?.Single is not ("yes" or "no"))
            {
                return attributes["wait"] is null ? "no wait (xinetd needs wait = yes or wait = no)" : $"wait = {attributes["wait"]!.Text} is not yes or no";
            }

            return null;
        }

        private string? TranslateListen()
        {
            bool unlisted = attributes["type"]?.Values.Contains("UNLISTED") == true;
            XinetdValue? portValue = attributes["port"];
            int? port = null;
            if (portValue is not null)
            {
                if (portValue.Single is not { } text || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int given) || given is < 1 or > 65535)
                {
                    Skip($"port = {portValue.Text} is not a port number (1 to 65535)");
                    return null;
                }

                port = given;
            }

            string protocol = attributes["socket_type"]?.Single == "dgram" ? "udp" : "tcp";
            bool listed = services.TryFindPort(section.Name, protocol, out int servicePort);
            if (!unlisted && listed && port is null)
            {
                port = servicePort;
            }
            else if (!unlisted && listed && port != servicePort)
            {
                Note(portValue!, $"{ServicesDatabase.SystemPath} gives {section.Name} port {servicePort}, which xinetd would insist on; the bridge listens on port {port}");
            }
            else if (!unlisted && !listed && port is not null)
            {
                Note(portValue!, $"{section.Name} is not a {protocol} service in {ServicesDatabase.SystemPath}, so xinetd needs type = UNLISTED; the bridge listens on port {port}");
            }

            if (port is null)
            {
                Skip(unlisted
                    ? "type = UNLISTED needs a port"
                    : $"{section.Name} is not a {protocol} service in {ServicesDatabase.SystemPath}: give its port (and type = UNLISTED)");
                return null;
            }

            XinetdValue? bind = attributes["bind"] ?? attributes["interface"];
            bool ipv6 = attributes["flags"]?.Values.Contains("IPv6") == true;
            string endpoint;
            if (bind is not null)
            {
                if (bind.Single is not { } host)
                {
                    Skip($"{bind.Name} = {bind.Text} is not one address");
                    return null;
                }

                endpoint = IPAddress.TryParse(host, out IPAddress? address) && address.AddressFamily == AddressFamily.InterNetworkV6
                    ? string.Create(CultureInfo.InvariantCulture, $"{protocol}:[{address}]:{port}")
                    : string.Create(CultureInfo.InvariantCulture, $"{protocol}:{host}:{port}");
            }
            else if (ipv6)
            {
                // xinetd's IPv6 socket takes IPv4 clients too unless v6only = yes; tcp:* (udp:*) is that dual-stack socket.
                endpoint = attributes["v6only"]?.Single == "yes"
                    ? string.Create(CultureInfo.InvariantCulture, $"{protocol}:[::]:{port}")
                    : string.Create(CultureInfo.InvariantCulture, $"{protocol}:*:{port}");
            }
            else
            {
                endpoint = string.Create(CultureInfo.InvariantCulture, $"{protocol}:0.0.0.0:{port}");
            }

            if (!EndpointParser.TryParse(endpoint, out _, out string error))
            {
                Skip($"{endpoint}: {error}");
                return null;
            }

            return endpoint;
        }

        private string? TranslateRedirect(XinetdValue redirect)
        {
            if (redirect.Values is not [string host, string portText]
                || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
            {
                Note(redirect, "not translated: takes a host and a port number");
                Skip("its redirect cannot be translated");
                return null;
            }

            string target = IPAddress.TryParse(host, out IPAddress? address) && address.AddressFamily == AddressFamily.InterNetworkV6
                ? string.Create(CultureInfo.InvariantCulture, $"tcp:[{address}]:{port}")
                : string.Create(CultureInfo.InvariantCulture, $"tcp:{host}:{port}");
            if (!EndpointParser.TryParse(target, out _, out string error))
            {
                Note(redirect, $"not translated: {error}");
                Skip("its redirect cannot be translated");
                return null;
            }

            return target;
        }

        /// <summary>server and server_args as Exec; with NAMEINARGS, server_args begins with argv[0].</summary>
        private List<string>? TranslateServer(bool handoff)
        {
            XinetdValue? server = attributes["server"];
            if (server?.Single is not { } program)
            {
                Skip(server is null ? "no server: nothing to run" : $"server = {server.Text} is not one program");
                return null;
            }

            IReadOnlyList<string> arguments = attributes["server_args"]?.Values ?? [];
            List<string> argv;
            if (attributes["flags"]?.Values.Contains("NAMEINARGS") == true && arguments.Count > 0)
            {
                if (Path.GetFileName(program) == "tcpd")
                {
                    argv = [.. arguments];
                    Note(server, $"not translated: tcpd only checked hosts.allow and hosts.deny and ran {arguments[0]}; the bridge runs {arguments[0]} itself, so write those rules as AllowFrom and DenyFrom");
                }
                else
                {
                    argv = [program, .. arguments.Skip(1)];
                    if (arguments[0] != program && arguments[0] != Path.GetFileName(program))
                    {
                        Note(attributes["server_args"]!, $"NAMEINARGS: the program's argv[0] is {program}, not {arguments[0]}");
                    }
                }
            }
            else
            {
                argv = [program, .. arguments];
            }

            if (handoff)
            {
                Note(attributes["wait"]!, attributes["socket_type"]?.Single == "dgram"
                    ? "wait = yes: a handoff bridge with \"StandardInput\": \"socket\": started when the first datagram waits, the program gets the socket on stdin and stdout, as from xinetd (and as fd 3), and reads the datagrams itself"
                    : "wait = yes: a handoff bridge with \"StandardInput\": \"socket\": the program gets the listening socket on stdin and stdout, as from xinetd (and as fd 3), and accepts itself");
            }

            return argv;
        }

        private ImportedBridge TranslateEnvironment(ImportedBridge bridge)
        {
            var variables = new List<KeyValuePair<string, string>>();
            if (attributes["env"] is { } env)
            {
                foreach (string word in env.Values)
                {
                    int equals = word.IndexOf('=', StringComparison.Ordinal);
                    string name = equals < 0 ? word : word[..equals];
                    if (equals <= 0)
                    {
                        Note(env, $"not translated: {word} is not NAME=VALUE");
                    }
                    else if (ReservedVariables.Names.Contains(name))
                    {
                        Note(env, $"not translated: {name} is set by socketbridge itself for every program");
                    }
                    else
                    {
                        variables.RemoveAll(v => v.Key == name);
                        variables.Add(new KeyValuePair<string, string>(name, word[(equals + 1)..]));
                    }
                }
            }

            var passed = new List<string>();
            if (attributes["passenv"] is { } passenv)
            {
                foreach (string name in passenv.Values)
                {
                    if (ReservedVariables.Names.Contains(name) || name.Contains('=', StringComparison.Ordinal))
                    {
                        Note(passenv, $"not translated: {name} cannot be passed on (socketbridge sets it, or it is not a name)");
                    }
                    else if (!passed.Contains(name))
                    {
                        passed.Add(name);
                    }
                }
            }

            return bridge with { Environment = variables, PassEnvironment = passed };
        }

        /// <summary>
        /// nice, umask and rlimit_* as Nice, UMask and the Limit* keys. xinetd
        /// (child.c) sets each rlimit as both the soft and the hard limit, and
        /// none for 0; it calls nice(3) after switching to the service's user,
        /// and takes umask, but not nice or rlimit_*, from defaults.
        /// </summary>
        private ImportedBridge TranslateProcess(ImportedBridge bridge)
        {
            var limits = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach ((string name, ResourceKind kind) in Limits)
            {
                if (Own(name) is { } value && TranslateLimit(value, ImportedLimit.KeyFor(kind)) is { } limit)
                {
                    limits[ImportedLimit.KeyFor(kind).Key.Name] = limit;
                }
            }

            return bridge with { Limits = limits, Nice = TranslateNice(), UMask = TranslateUMask() };
        }

        private string? TranslateLimit(XinetdValue value, ResourceLimitKey key)
        {
            bool seconds = key.Kind == ResourceKind.CpuTime;
            ulong? limit;
            if (value.Single == "UNLIMITED")
            {
                if (key.Kind == ResourceKind.OpenFiles)
                {
                    Note(value, "not translated: UNLIMITED: the kernel has no unlimited open-file limit (xinetd's setrlimit failed, and the program kept xinetd's own); give a number");
                    return null;
                }

                limit = null;
            }
            else if (value.Single is { } text && XinetdNumber(text, suffixes: !seconds) is { } number)
            {
                limit = number;
            }
            else
            {
                Note(value, seconds
                    ? "not translated: takes a number of CPU seconds or UNLIMITED"
                    : "not translated: takes a number, or one with K or M (base 1024), or UNLIMITED");
                return null;
            }

            if (limit == 0)
            {
                Note(value, "not translated: xinetd sets no limit for 0, so the program kept xinetd's own");
                return null;
            }

            if (!ImportedLimit.TryFormat(key, limit, limit, out string formatted, out string error))
            {
                Note(value, $"not translated: {key.Key.Name} {error}");
                return null;
            }

            return formatted;
        }

        /// <summary>xinetd's get_limit: digits, with K or M (either case) for 1024 and 1024 * 1024.</summary>
        private static ulong? XinetdNumber(string text, bool suffixes)
        {
            ulong multiplier = 1;
            string digits = text;
            if (suffixes && text.Length > 1 && char.ToUpperInvariant(text[^1]) is 'K' or 'M')
            {
                multiplier = char.ToUpperInvariant(text[^1]) == 'K' ? 1UL << 10 : 1UL << 20;
                digits = text[..^1];
            }

            if (!ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out ulong number) || number > ulong.MaxValue / multiplier)
            {
                return null;
            }

            return number * multiplier;
        }

        private int? TranslateNice()
        {
            if (Own("nice") is not { } value)
            {
                return null;
            }

            if (value.Single is not { } text || !int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int given))
            {
                Note(value, "not translated: takes a whole number, as nice(3)");
                return null;
            }

            int nice = Math.Clamp(given, -20, 19);
            string? user = attributes["user"]?.Single;
            if (nice < 0 && user is not (null or "root" or "0"))
            {
                Note(value, $"not translated: xinetd called nice(3) after switching to user {user}, and only root may lower a nice value, so the program ran at xinetd's own priority; \"Nice\": {nice} would give it more than it had");
                return null;
            }

            if (nice != given)
            {
                Note(value, $"Nice {nice}: the kernel keeps a nice value within -20 to 19");
            }

            return nice;
        }

        /// <summary>umask, from the service or from defaults: octal, at most 0777, as xinetd's umask_parser takes it.</summary>
        private string? TranslateUMask()
        {
            if (attributes["umask"] is not { } value)
            {
                return null;
            }

            if (ImportedUMask.TryFormat(value.Single, out string umask))
            {
                return umask;
            }

            Note(value, $"not translated: {ImportedUMask.Forms}");
            return null;
        }

        /// <summary>An attribute xinetd takes only from the service itself, not from defaults.</summary>
        private XinetdValue? Own(string name) => attributes[name] is { FromDefaults: false } value ? value : null;

        /// <summary>only_from and no_access as AllowFrom and DenyFrom.</summary>
        private ImportedBridge TranslateAccess(ImportedBridge bridge)
        {
            XinetdValue? onlyFrom = attributes["only_from"], noAccess = attributes["no_access"];
            List<string> allow = Ranges(onlyFrom, "the bridge does not serve those clients");
            List<string> deny = Ranges(noAccess, "the bridge does NOT refuse those clients: add their addresses to DenyFrom");
            if (onlyFrom is not null && allow.Count == 0)
            {
                Note(onlyFrom, onlyFrom.Values.Count == 0
                    ? "empty: xinetd serves nobody, so the bridge refuses everyone (DenyFrom 0.0.0.0/0 and ::/0)"
                    : "none of its entries can be translated: rather than serve everyone, the bridge refuses everyone (DenyFrom 0.0.0.0/0 and ::/0) until you list the addresses in AllowFrom and remove that DenyFrom");
                return bridge with { DenyFrom = Everyone };
            }

            if (noAccess is not null)
            {
                foreach (string allowed in allow)
                {
                    string? wider = deny.FirstOrDefault(d => StrictlyContains(d, allowed));
                    if (wider is not null)
                    {
                        Note(noAccess, $"{wider} holds only_from's {allowed}: xinetd lets the closer match serve those clients, but a bridge's DenyFrom wins, so they are refused");
                    }
                }
            }

            return bridge with { AllowFrom = allow, DenyFrom = deny };
        }

        private List<string> Ranges(XinetdValue? value, string consequence)
        {
            var ranges = new List<string>();
            if (value is null)
            {
                return ranges;
            }

            foreach (string entry in value.Values)
            {
                if (!XinetdAddress.TryTranslate(entry, out IReadOnlyList<string> translated, out string why))
                {
                    Note(value, $"not translated: {why}; {consequence}");
                    continue;
                }

                if (entry is "localhost" or "0.0.0.0")
                {
                    Note(value, $"{entry}: translated as {string.Join(" and ", translated)}");
                }

                ranges.AddRange(translated.Where(r => !ranges.Contains(r)));
            }

            return ranges;
        }

        private static bool StrictlyContains(string outer, string inner) =>
            CidrRange.TryParse(outer, out CidrRange o, out _) && CidrRange.TryParse(inner, out CidrRange i, out _)
            && o.PrefixLength < i.PrefixLength && o.Contains(i.Network);

        private ImportedBridge TranslateLimits(ImportedBridge bridge)
        {
            if (attributes["instances"] is { } instances)
            {
                if (instances.Single == "UNLIMITED")
                {
                    int defaultLimit = bridge.Mode == "forward" ? BridgeOptions.DefaultForwardMaxConnections : BridgeOptions.DefaultMaxConnections;
                    Note(instances, $"UNLIMITED: MaxConnections is left at its default, {defaultLimit}; set it to what the machine can take (up to 1000000)");
                }
                else if (Count(instances) is { } max)
                {
                    bridge = bridge with { MaxConnections = max };
                }
            }

            if (attributes["per_source"] is { } perSource && perSource.Single != "UNLIMITED" && Count(perSource) is { } perSourceMax)
            {
                bridge = bridge with { MaxConnectionsPerSource = perSourceMax };
            }

            if (attributes["cps"] is { } cps)
            {
                if (cps.Values.Count is 1 or 2 && int.TryParse(cps.Values[0], NumberStyles.None, CultureInfo.InvariantCulture, out int rate) && rate >= 1)
                {
                    string pause = cps.Values.Count == 2 ? $"{cps.Values[1]} seconds" : "a while";
                    Note(cps, $"RateLimit \"{rate}/s\": xinetd stops the whole service for {pause} once more than {rate} connections arrive in a second; the bridge refuses only the connections beyond {rate} a second (a token bucket, {rate} at once) and serves again as soon as the rate falls");
                    bridge = bridge with { RateLimit = string.Create(CultureInfo.InvariantCulture, $"{rate}/s") };
                }
                else
                {
                    Note(cps, "not translated: takes a number of connections a second (at least 1) and a number of seconds");
                }
            }

            return bridge;
        }

        /// <summary>A handoff program accepts (or reads) for itself: the daemon sees neither clients nor their count.</summary>
        private ImportedBridge NoteLimitsOfHandoff(ImportedBridge bridge, bool datagram)
        {
            foreach (string name in (string[])["only_from", "no_access", "per_source", "cps", "instances"])
            {
                if (attributes[name] is { } value)
                {
                    Note(value, name == "instances"
                        ? $"not translated for {_subject}: a wait = yes program runs one at a time"
                        : datagram
                        ? $"not translated for {_subject}: with wait = yes the program reads the datagrams, so socketbridge never sees the clients"
                        : $"not translated for {_subject}: with wait = yes the program accepts the connections, so socketbridge never sees the clients");
                }
            }

            return bridge;
        }

        private int? Count(XinetdValue value)
        {
            if (value.Single is { } text && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int count) && count is >= 1 and <= 1_000_000)
            {
                return count;
            }

            Note(value, "not translated: takes UNLIMITED or a number from 1 to 1000000");
            return null;
        }

        /// <summary>
        /// flags: KEEPALIVE as KeepAlive (set on the listening socket, so the
        /// connections a handoff program accepts have it too);
        /// NODELAY and REUSE (SO_REUSEADDR in xinetd, not SO_REUSEPORT) are what
        /// a TCP bridge does anyway. Socket options on a socket the daemon does
        /// not accept from (a wait = yes service's, a UDP service's) are noted,
        /// not translated (<see cref="XinetdAttributeReasons.HandoffSocketOptions"/>,
        /// <see cref="XinetdAttributeReasons.DatagramFlags"/>).
        /// </summary>
        private ImportedBridge TranslateFlags(ImportedBridge bridge, bool datagram)
        {
            if (attributes["flags"] is not { } flags)
            {
                return bridge;
            }

            foreach (string flag in flags.Values)
            {
                if (datagram && XinetdAttributeReasons.DatagramFlags.TryGetValue(flag, out string? udp))
                {
                    Note(flags, $"not translated: {flag}: {udp}");
                }
                else if (bridge.Mode == "handoff" && flag == "NODELAY")
                {
                    Note(flags, $"not translated yet: {flag}: {XinetdAttributeReasons.HandoffSocketOptions}");
                }
                else if (flag == "KEEPALIVE")
                {
                    bridge = bridge with { KeepAlive = true };
                }
                else if (flag == "NAMEINARGS" && bridge.Mode == "forward")
                {
                    Note(flags, "not translated: NAMEINARGS: a redirected service launches no program");
                }
                else if (XinetdAttributeReasons.FlagsNotTranslated.TryGetValue(flag, out string? why))
                {
                    Note(flags, $"not translated: {flag}: {why}");
                }
                else if (flag is not ("IPv6" or "NAMEINARGS") && !XinetdAttributeReasons.FlagsAlwaysOn.Contains(flag))
                {
                    Note(flags, $"not translated: {flag} is not an xinetd flag that import knows");
                }
            }

            return bridge;
        }

        private void NoteOthers()
        {
            foreach (XinetdValue value in attributes.All)
            {
                if (Translated.Contains(value.Name))
                {
                    continue;
                }

                if (XinetdAttributeReasons.NotTranslated.TryGetValue(value.Name, out string? why))
                {
                    // A defaults line was noted where it is.
                    if (!value.FromDefaults)
                    {
                        Note(value, $"not translated: {why}");
                    }
                }
                else
                {
                    Note(value, "not translated: not an xinetd attribute that import knows");
                }
            }
        }

        private void NotApplied(string[] names, string why)
        {
            foreach (string name in names)
            {
                if (attributes[name] is { FromDefaults: false } value)
                {
                    Note(value, $"not translated: {why}");
                }
            }
        }

        private void Note(XinetdValue value, string message) =>
            notes.Add(new ImportNote(value.Source.File, value.Source.Line, value.Name, message));

        private void Skip(string why) => notes.Add(new ImportNote(section.File, section.Line, _subject, $"skipped: {why}"));
    }
}
