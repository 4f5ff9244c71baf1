using System.CommandLine;
using SocketBridge.Configuration;
using SocketBridge.Hosting;
using SocketBridge.Import;

namespace SocketBridge.Cli;

/// <summary>The command line of SPEC 2: run, check, serve, status, reload, pipe, import, --help, --version.</summary>
internal static class CommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand("socketbridge: owns listening sockets and, for every connection, launches a program or forwards the bytes.");
        root.Subcommands.Add(BuildRun());
        root.Subcommands.Add(BuildCheck());
        root.Subcommands.Add(BuildServe());
        root.Subcommands.Add(BuildStatus());
        root.Subcommands.Add(BuildReload());
        root.Subcommands.Add(BuildReexec());
        root.Subcommands.Add(BuildPipe());
        root.Subcommands.Add(BuildImport([new UpstartImporter(), new XinetdImporter()]));
        return root;
    }

    public static int Invoke(string[] args)
    {
        RootCommand root = Build();
        ParseResult result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            foreach (string message in result.Errors.Select(e => e.Message).Distinct())
            {
                Console.Error.WriteLine($"socketbridge: {message}");
            }

            Console.Error.WriteLine("Try 'socketbridge --help'.");
            return ExitCodes.Usage;
        }

        return result.Invoke();
    }

    private static Option<string[]> ConfigOption() => new("--config", "-c")
    {
        Description = $"A configuration file; repeat to merge several in order. Default: {ConfigurationFiles.MainFile} and {ConfigurationFiles.DropInDirectory}/*.json",
        HelpName = "FILE",
        AllowMultipleArgumentsPerToken = false,
    };

    private static Command BuildRun()
    {
        Option<string[]> config = ConfigOption();
        var command = new Command("run", "Run the daemon in the foreground (the unit's ExecStart).") { config };
        command.SetAction((result, _) =>
        {
            string[] files = result.GetValue(config) ?? [];
            SocketBridgeOptions? options = Load(files);
            return options is null
                ? Task.FromResult(ExitCodes.Config)
                : DaemonRunner.RunAsync(options, () => new ConfigurationLoader().Load(ConfigurationFiles.Resolve(files)));
        });
        return command;
    }

    private static Option<string> ControlOption() => new("--control")
    {
        Description = $"The daemon's control socket, instead of SocketBridge:ControlSocket from the configuration (default {DaemonOptions.DefaultControlSocket})",
        HelpName = "PATH",
    };

    private static Command BuildStatus()
    {
        Option<string[]> config = ConfigOption();
        Option<string> control = ControlOption();
        var json = new Option<bool>("--json") { Description = "The status as JSON, for scripts" };
        var watch = new Option<bool>("--watch", "-w") { Description = "Redraw the table every second, with accepted, refused and bytes per second, until Ctrl-C" };
        var command = new Command("status", "Show the running daemon's bridges: listen endpoint, mode, state, connections, refusals, last error.") { config, control, json, watch };
        command.Validators.Add(result =>
        {
            if (result.GetValue(json) && result.GetValue(watch))
            {
                result.AddError("--json and --watch do not go together: --watch is for people, --json for scripts (poll it)");
            }
        });
        command.SetAction((result, stop) => result.GetValue(watch)
            ? ControlCommand.WatchAsync(result.GetValue(config), result.GetValue(control), TimeSpan.FromSeconds(1), !Console.IsOutputRedirected, Console.Out, Console.Error, stop)
            : ControlCommand.StatusAsync(result.GetValue(config), result.GetValue(control), result.GetValue(json), Console.Out, Console.Error));
        return command;
    }

    private static Command BuildReload()
    {
        Option<string[]> config = ConfigOption();
        Option<string> control = ControlOption();
        var command = new Command("reload", "Make the running daemon load its configuration again (as SIGHUP does) and print the outcome; exit 78 when it was refused.") { config, control };
        command.SetAction((result, _) => ControlCommand.ReloadAsync(result.GetValue(config), result.GetValue(control), Console.Out, Console.Error));
        return command;
    }

    private static Command BuildReexec()
    {
        Option<string[]> config = ConfigOption();
        Option<string> control = ControlOption();
        var command = new Command("reexec", "Make the running daemon execute its program again in the same process (after an upgrade), keeping every socket, connection and program; exit 78 when the new program refuses the configuration, 1 when it was refused otherwise.") { config, control };
        command.SetAction((result, _) => ControlCommand.ReexecAsync(result.GetValue(config), result.GetValue(control), Console.Out, Console.Error));
        return command;
    }

    private static Command BuildCheck()
    {
        Option<string[]> config = ConfigOption();
        var command = new Command("check", "Load and validate the configuration exactly as run would; bind nothing.") { config };
        command.SetAction(result =>
        {
            SocketBridgeOptions? options = Load(result.GetValue(config), warnings: true);
            if (options is null)
            {
                return ExitCodes.Config;
            }

            Console.Out.WriteLine(PrintableText.Escape($"configuration is valid: {options.Bridges.Count} bridge(s) from {string.Join(", ", options.Files)}"));
            if (Environment.GetEnvironmentVariable(Handover.HandoverFormat.CheckVariable) is not null)
            {
                // Asked by a running daemon about to re-execute into this program.
                Console.Out.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Handover.HandoverFormat.CheckLinePrefix}{Handover.HandoverFormat.Version}"));
            }
            foreach (BridgeOptions bridge in options.Bridges)
            {
                Console.Out.WriteLine(PrintableText.Escape($"  {bridge.Name}: {bridge.Mode.ToString().ToLowerInvariant()} on {string.Join(", ", bridge.Listen.Endpoints)}{(bridge.Program is not { } program ? string.Empty : $" -> {program.Exec} ({RunsAs(program)})")}"));
                if (bridge.Program is { } confined && SandboxListing.Line(confined) is { } sandbox)
                {
                    Console.Out.WriteLine(PrintableText.Escape($"    {sandbox}"));
                }

                foreach (string binding in BindingListing.Lines(bridge))
                {
                    Console.Out.WriteLine(PrintableText.Escape($"    {binding}"));
                }
            }

            if (options.Daemon.Metrics is { } metrics)
            {
                Console.Out.WriteLine(PrintableText.Escape($"metrics: GET /metrics on {metrics.Endpoint} (Prometheus's text format)"));
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Whom a bridge's program runs as, for check's listing: its User (and Group), else the daemon's own user.</summary>
    private static string RunsAs(ProgramOptions bridge)
    {
        string user = bridge.User ?? Native.Accounts.UserName(Native.Posix.EffectiveUid) ?? Native.Posix.EffectiveUid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return bridge.Group is { } group ? $"runs as {user}, group {group}" : $"runs as {user}";
    }

    private static Command BuildServe()
    {
        var endpoint = new Argument<string>("ENDPOINT") { Description = "Where to listen, as tcp:HOST:PORT or unix:/path" };
        var program = new Argument<string[]>("PROGRAM") { Description = "The program and its arguments, after --", Arity = ArgumentArity.OneOrMore };
        var user = new Option<string>("--user", "-u")
        {
            Description = "Run the program as this user (required when socketbridge runs as root; --user root keeps root)",
            HelpName = "USER",
        };
        var group = new Option<string>("--group", "-g") { Description = "Run the program with this group (default: the user's own)", HelpName = "GROUP" };
        var command = new Command("serve", "One spawn bridge in the foreground, without a configuration file: serve [--user USER] [--group GROUP] ENDPOINT -- PROGRAM [ARGS...]")
        {
            endpoint,
            program,
            user,
            group,
        };
        command.SetAction((result, _) =>
        {
            ConfigNode bridge = ServeBridge(result.GetValue(endpoint)!, result.GetValue(program)!, result.GetValue(user), result.GetValue(group));
            SocketBridgeOptions? options = ConfigurationReporter.Load(() => new ConfigurationLoader().LoadBridge(bridge), Console.Error, ServeError);
            return options is null ? Task.FromResult(ExitCodes.Config) : DaemonRunner.RunAsync(options, () => options, controlSocket: false);
        });
        return command;
    }

    /// <summary>import FORMAT FILE...: one subcommand per importer (upstart, xinetd).</summary>
    private static Command BuildImport(IEnumerable<IJobImporter> importers)
    {
        var command = new Command("import", "Print the configuration equivalent to other superservers' job files; say on stderr what cannot be translated.");
        foreach (IJobImporter importer in importers)
        {
            var files = new Argument<string[]>("FILE") { Description = importer.FileDescription, Arity = ArgumentArity.OneOrMore };
            files.Validators.Add(result =>
            {
                // An unknown option is bad usage, not a file name (./-name.conf reads such a file).
                foreach (string option in result.Tokens.Select(t => t.Value).Where(v => v.Length > 1 && v[0] == '-'))
                {
                    result.AddError($"Unrecognized command or argument '{option}'.");
                }
            });
            var format = new Command(importer.Format, $"Print the SocketBridge configuration equivalent to {importer.Format} job files on stdout, and what cannot be translated on stderr.") { files };
            format.SetAction(result => new ImportRunner(importer, Console.Out, Console.Error).Run(result.GetValue(files)!));
            command.Subcommands.Add(format);
        }

        return command;
    }

    private const string ServeOrigin = "socketbridge serve";

    /// <summary>serve has no file: its errors name the argument or option, not a configuration key.</summary>
    private static string ServeError(ConfigurationError error) => error.Key switch
    {
        "Bridges:serve:Listen" => PrintableText.Escape($"{ServeOrigin}: ENDPOINT: {error.Message}"),
        "Bridges:serve:Exec" => PrintableText.Escape($"{ServeOrigin}: PROGRAM: {error.Message}"),
        "Bridges:serve:User" when error.Message.StartsWith("is required", StringComparison.Ordinal) =>
            $"{ServeOrigin}: --user: is required when socketbridge runs as root: give the account PROGRAM runs as (--user nobody, or --user root to keep root explicitly)",
        "Bridges:serve:User" => PrintableText.Escape($"{ServeOrigin}: --user: {error.Message}"),
        "Bridges:serve:Group" => PrintableText.Escape($"{ServeOrigin}: --group: {error.Message}"),
        _ => error.ToString(),
    };

    private static Command BuildPipe()
    {
        var endpoint = new Argument<string>("ENDPOINT") { Description = "tcp:HOST:PORT, unix:/path or unix:@name" };
        var command = new Command("pipe", "Connect stdin and stdout to an endpoint, half-closing each way on EOF (for shell scripts).") { endpoint };
        command.SetAction((result, token) => PipeCommand.RunAsync(result.GetValue(endpoint)!, Console.Error, token));
        return command;
    }

    private static SocketBridgeOptions? Load(string[]? files, bool warnings = false) =>
        ConfigurationReporter.Load(() => new ConfigurationLoader().Load(ConfigurationFiles.Resolve(files ?? [])), Console.Error, warnings: warnings);

    /// <summary>serve's bridge: its arguments as the keys of a bridge named serve (Listen, Exec, User, Group), read as a file's bridge is.</summary>
    internal static ConfigNode ServeBridge(string endpoint, IReadOnlyList<string> program, string? user, string? group)
    {
        ConfigNode bridge = ConfigNode.CreateBridge(ServeOrigin, "serve");
        bridge.SetArgument(BridgeKeys.Listen.Name, endpoint);
        bridge.SetArgument(BridgeKeys.Exec.Name, program);
        if (user is not null)
        {
            bridge.SetArgument(BridgeKeys.User.Name, user);
        }

        if (group is not null)
        {
            bridge.SetArgument(BridgeKeys.Group.Name, group);
        }

        return bridge;
    }
}
