using System.Text.Json;
using Microsoft.Extensions.Logging;
using SocketBridge.Endpoints;

namespace SocketBridge.Configuration;

/// <summary>
/// Reads the configuration files (SPEC 3), merges them key by key in order,
/// and validates the result in one pass that collects every error.
/// </summary>
internal sealed class ConfigurationLoader(IConfigurationResolver environment)
{
    private static readonly string[] TopLevelKeys = ["SocketBridge", "Bridges"];

    private static readonly JsonDocumentOptions JsonOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        AllowDuplicateProperties = false,
    };

    public ConfigurationLoader()
        : this(new ConfigurationEnvironment())
    {
    }

    /// <summary>Loads <paramref name="files"/>; throws <see cref="ConfigurationException"/> with every problem.</summary>
    public SocketBridgeOptions Load(IReadOnlyList<string> files)
    {
        var errors = new ErrorCollector();
        if (files.Count == 0)
        {
            errors.Add(ConfigurationFiles.MainFile, string.Empty, $"no configuration: neither it nor {ConfigurationFiles.DropInDirectory}/*.json exists (give files with -c)");
            throw new ConfigurationException(errors.Errors);
        }

        var sources = new List<(string File, string Text)>();
        foreach (string file in files)
        {
            if (ConfigurationFileReader.TryRead(file, out string text, out string problem))
            {
                sources.Add((file, text));
            }
            else
            {
                errors.Add(file, string.Empty, problem);
            }
        }

        SocketBridgeOptions? options = LoadSources(sources, errors);
        if (errors.HasErrors)
        {
            throw new ConfigurationException(errors.Errors, errors.Warnings);
        }

        return options!;
    }

    /// <summary>Loads configuration text that did not come from a file, named <paramref name="origin"/> in messages.</summary>
    public SocketBridgeOptions LoadText(string origin, string json)
    {
        var errors = new ErrorCollector();
        SocketBridgeOptions? options = LoadSources([(origin, json)], errors);
        if (errors.HasErrors)
        {
            throw new ConfigurationException(errors.Errors, errors.Warnings);
        }

        return options!;
    }

    /// <summary>
    /// Loads one bridge given by arguments, not a file (for <c>serve</c>),
    /// checked as a bridge of a file is, with the daemon's defaults; throws
    /// <see cref="ConfigurationException"/> with every problem.
    /// </summary>
    public SocketBridgeOptions LoadBridge(ConfigNode bridge)
    {
        var errors = new ErrorCollector();
        BridgeOptions? options = new BridgeOptionsReader(environment).Read(bridge, errors);
        if (errors.HasErrors)
        {
            throw new ConfigurationException(errors.Errors, errors.Warnings);
        }

        var daemon = new DaemonOptions();
        return new SocketBridgeOptions(daemon, [Complete(bridge, options!, daemon)], [bridge.File]) { Warnings = [.. errors.Warnings] };
    }

    private SocketBridgeOptions? LoadSources(List<(string File, string Text)> sources, ErrorCollector errors)
    {
        ConfigNode root = ConfigNode.CreateRoot(sources.Count > 0 ? sources[0].File : string.Empty);
        foreach ((string file, string text) in sources)
        {
            try
            {
                using JsonDocument document = JsonDocument.Parse(text, JsonOptions);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    errors.Add(file, string.Empty, $"must hold a JSON object with SocketBridge and Bridges, not {NodeReader.Describe(document.RootElement)}");
                    continue;
                }

                if (FindInvalidText(document.RootElement, string.Empty) is { } bad)
                {
                    errors.Add(file, bad, "holds a \\u escape that is not valid Unicode (half of a surrogate pair)");
                    continue;
                }

                root.Merge(document.RootElement, file);
            }
            catch (JsonException ex)
            {
                string where = ex.LineNumber is { } line ? $" at line {line + 1}, position {ex.BytePositionInLine + 1}" : string.Empty;
                errors.Add(file, string.Empty, $"is not valid JSON{where}: {Reason(ex.Message)}");
            }
        }

        foreach (ConfigNode key in root.Children!.Values)
        {
            if (!TopLevelKeys.Contains(key.Name, StringComparer.Ordinal))
            {
                errors.Add(key, KeySuggestion.ForUnknown(key.Name, TopLevelKeys));
            }
        }

        DaemonOptions daemon = ReadDaemon(root["SocketBridge"], errors);
        var bridges = new List<BridgeOptions>();
        ConfigNode? bridgesNode = root["Bridges"];
        if (bridgesNode is not null)
        {
            if (!bridgesNode.IsObject)
            {
                errors.Add(bridgesNode, $"must be an object keyed by bridge name, not {NodeReader.Describe(bridgesNode)}");
            }
            else
            {
                var reader = new BridgeOptionsReader(environment);
                foreach (ConfigNode bridge in bridgesNode.Children!.Values)
                {
                    BridgeOptions? options = reader.Read(bridge, errors);
                    if (options is not null)
                    {
                        bridges.Add(Complete(bridge, options, daemon));
                    }
                }
            }
        }

        if (daemon.Metrics is { } metrics && root["SocketBridge"]?["Metrics"] is { } metricsNode)
        {
            MetricsEndpointRule.Check(metricsNode, metrics, bridges, errors);
        }

        return errors.HasErrors ? null : new SocketBridgeOptions(daemon, bridges, sources.Select(s => s.File).ToArray()) { Warnings = [.. errors.Warnings] };
    }

    /// <summary>
    /// The key of the first string or key name that is not valid Unicode
    /// ("\ud800" alone: the parser accepts it, but it has no UTF-8 form, so it
    /// could reach no program or path intact), or null when all are.
    /// </summary>
    private static string? FindInvalidText(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        return path.Length == 0 ? "(a key name)" : $"{path}:(a key name)";
                    }

                    string key = path.Length == 0 ? name : $"{path}:{name}";
                    if (FindInvalidText(property.Value, key) is { } bad)
                    {
                        return bad;
                    }
                }

                return null;
            case JsonValueKind.Array:
                foreach (JsonElement item in element.EnumerateArray())
                {
                    if (FindInvalidText(item, path) is { } bad)
                    {
                        return bad;
                    }
                }

                return null;
            case JsonValueKind.String:
                try
                {
                    _ = element.GetString();
                    return null;
                }
                catch (InvalidOperationException)
                {
                    return path;
                }

            default:
                return null;
        }
    }

    /// <summary>What a bridge takes from the daemon's section (the SIGKILL delay after RuntimeMax), and its fingerprint.</summary>
    private static BridgeOptions Complete(ConfigNode bridge, BridgeOptions options, DaemonOptions daemon)
    {
        if (options.Program is { RuntimeMax: not null } program)
        {
            options = options with { Program = program with { StopTimeout = daemon.ShutdownTimeout } };
        }

        return options with { Fingerprint = Fingerprint(bridge, options) };
    }

    private static string Fingerprint(ConfigNode node, BridgeOptions options) =>
        string.Join(
            '\n',
            node.Canonical(),
            options.Program?.Exec.Path ?? string.Empty,
            string.Join(' ', options.Listen.Endpoints.Select(e => e.Key)),
            string.Join(' ', options.Forward?.TargetAddresses ?? []),
            string.Join('\0', options.Program?.Environment ?? []),
            options.Program?.RuntimeMax is null ? string.Empty : options.Program.StopTimeout.ToString());

    private DaemonOptions ReadDaemon(ConfigNode? section, ErrorCollector errors)
    {
        var options = new DaemonOptions();
        if (section is null)
        {
            return options;
        }

        if (!section.IsObject)
        {
            errors.Add(section, $"must be an object, not {NodeReader.Describe(section)}");
            return options;
        }

        foreach (ConfigNode key in section.Children!.Values)
        {
            if (!DaemonKeys.Names.Contains(key.Name, StringComparer.Ordinal))
            {
                errors.Add(key, KeySuggestion.ForUnknown(key.Name, DaemonKeys.Names));
            }
        }

        if (section["ControlSocket"] is { } control && NodeReader.TryString(control, errors, out string path))
        {
            if (!path.StartsWith('/'))
            {
                errors.Add(control, $"\"{path}\" must be an absolute path");
            }
            else
            {
                options = options with { ControlSocket = path };
                if (environment.SocketDirectoryProblem(Path.GetDirectoryName(path)!, new Endpoints.DirectoryTrust(environment.EffectiveUid, socketUid: null)) is { } problem)
                {
                    errors.Warn(control, $"{problem}; the control socket will not be made there, so status and reload will not reach the daemon (SIGHUP still reloads)");
                }
            }
        }

        if (section["ShutdownTimeout"] is { } timeout && NodeReader.TryDuration(timeout, errors, out TimeSpan span))
        {
            options = options with { ShutdownTimeout = span };
        }

        if (section["LogLevel"] is { } level && NodeReader.TryString(level, errors, out string text))
        {
            if (Enum.TryParse(text, ignoreCase: true, out LogLevel parsed) && Enum.IsDefined(parsed) && !int.TryParse(text, out _))
            {
                options = options with { LogLevel = parsed };
            }
            else
            {
                errors.Add(level, $"\"{text}\" is not a level (Trace, Debug, Information, Warning, Error, Critical or None)");
            }
        }

        if (section["Metrics"] is { } metrics && NodeReader.TryString(metrics, errors, out string endpoint))
        {
            options = options with { Metrics = ReadMetricsEndpoint(metrics, endpoint, errors) };
        }

        return options;
    }

    /// <summary>The metrics endpoint: tcp: (its addresses resolved now, as a bridge's Listen) or unix:.</summary>
    private ListenEndpoint? ReadMetricsEndpoint(ConfigNode node, string text, ErrorCollector errors)
    {
        if (!EndpointParser.TryParseListen(text, out Endpoint? endpoint, out string error))
        {
            errors.Add(node, error);
            return null;
        }

        switch (endpoint)
        {
            case TcpEndpoint tcp:
                List<System.Net.IPEndPoint> addresses = new BridgeOptionsReader(environment).ResolveAddresses(tcp, node.File, node.Path, errors);
                return addresses.Count == 0 ? null : new ListenEndpoint(tcp, addresses);
            case UnixEndpoint { Type: System.Net.Sockets.SocketType.Stream } unix when !unix.Path.StartsWith('@'):
                if (environment.SocketDirectoryProblem(Path.GetDirectoryName(unix.Path)!, new DirectoryTrust(environment.EffectiveUid, socketUid: null)) is { } problem)
                {
                    errors.Add(node, problem);
                    return null;
                }

                return new ListenEndpoint(unix);
            default:
                errors.Add(node, $"\"{text}\" must be a tcp: or unix: endpoint (tcp:127.0.0.1:9464, unix:/run/socketbridge/metrics.sock): the metrics are served over HTTP");
                return null;
        }
    }

    /// <summary>
    /// The parser's reason, on one short line: its message can quote the
    /// rest of the file, which may hold secrets and many lines.
    /// </summary>
    private static string Reason(string message)
    {
        int end = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        string reason = (end < 0 ? message : message[..end]).Trim().TrimEnd('.');
        int quoted = reason.IndexOf('\'', StringComparison.Ordinal);
        int close = quoted < 0 ? -1 : reason.IndexOf('\'', quoted + 1);
        if (close - quoted > 24)
        {
            // A quoted token can run to the end of the file: keep its start only.
            reason = reason[..(quoted + 21)] + "…" + reason[close..];
        }

        reason = string.Join(' ', reason.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries));
        return reason.Length > 120 ? reason[..120] + "…" : reason;
    }
}
