using System.CommandLine;
using System.Text;
using System.Text.Json;
using SocketBridge.Configuration;

namespace SocketBridge.Cli;

/// <summary>The command line of SPEC 2: run, check, serve, --help, --version.</summary>
public static class CommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand("socketbridge: owns listening sockets and, for every connection, launches a program or forwards the bytes.");
        root.Subcommands.Add(BuildRun());
        root.Subcommands.Add(BuildCheck());
        root.Subcommands.Add(BuildServe());
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
            SocketBridgeOptions? options = Load(result.GetValue(config));
            return options is null ? Task.FromResult(ExitCodes.Config) : DaemonRunner.RunAsync(options);
        });
        return command;
    }

    private static Command BuildCheck()
    {
        Option<string[]> config = ConfigOption();
        var command = new Command("check", "Load and validate the configuration exactly as run would; bind nothing.") { config };
        command.SetAction(result =>
        {
            SocketBridgeOptions? options = Load(result.GetValue(config));
            if (options is null)
            {
                return ExitCodes.Config;
            }

            Console.Out.WriteLine($"configuration is valid: {options.Bridges.Count} bridge(s) from {string.Join(", ", options.Files)}");
            foreach (BridgeOptions bridge in options.Bridges)
            {
                Console.Out.WriteLine($"  {bridge.Name}: {bridge.Mode.ToString().ToLowerInvariant()} on {bridge.Listen}{(bridge.Exec is null ? string.Empty : $" -> {bridge.Exec}")}");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command BuildServe()
    {
        var endpoint = new Argument<string>("ENDPOINT") { Description = "Where to listen, as tcp:HOST:PORT or unix:/path" };
        var program = new Argument<string[]>("PROGRAM") { Description = "The program and its arguments, after --", Arity = ArgumentArity.OneOrMore };
        var command = new Command("serve", "One spawn bridge in the foreground, without a configuration file: serve ENDPOINT -- PROGRAM [ARGS...]")
        {
            endpoint,
            program,
        };
        command.SetAction((result, _) =>
        {
            string json = ServeConfiguration(result.GetValue(endpoint)!, result.GetValue(program)!);
            SocketBridgeOptions? options = ConfigurationReporter.Load(() => new ConfigurationLoader().LoadText(ServeOrigin, json), Console.Error, ServeError);
            return options is null ? Task.FromResult(ExitCodes.Config) : DaemonRunner.RunAsync(options);
        });
        return command;
    }

    private const string ServeOrigin = "socketbridge serve";

    /// <summary>serve has no file: its errors name the argument, not a configuration key.</summary>
    private static string ServeError(ConfigurationError error) => error.Key switch
    {
        "Bridges:serve:Listen" => $"{ServeOrigin}: ENDPOINT: {error.Message}",
        "Bridges:serve:Exec" => $"{ServeOrigin}: PROGRAM: {error.Message}",
        _ => error.ToString(),
    };

    private static SocketBridgeOptions? Load(string[]? files) =>
        ConfigurationReporter.Load(() => new ConfigurationLoader().Load(ConfigurationFiles.Resolve(files ?? [])), Console.Error);

    private static string ServeConfiguration(string endpoint, string[] program)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteStartObject("Bridges");
            json.WriteStartObject("serve");
            json.WriteString("Listen", endpoint);
            json.WriteStartArray("Exec");
            foreach (string argument in program)
            {
                json.WriteStringValue(argument);
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
