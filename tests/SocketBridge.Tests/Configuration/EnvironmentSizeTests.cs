using System.Net;
using System.Text;
using SocketBridge.Configuration;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Configuration;

/// <summary>
/// An environment execve(2) would refuse (E2BIG) is a configuration error at
/// load, not a failure on every connection: one string may be at most
/// MAX_ARG_STRLEN (128 KiB with its NUL), all of them together less than
/// the argument space (ARG_MAX).
/// </summary>
public sealed class EnvironmentSizeTests : IDisposable
{
    /// <summary>MAX_ARG_STRLEN (32 pages) less the NUL and "BIG=".</summary>
    private const int LongestValue = 131072 - 1 - 4;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task The_longest_variable_execve_takes_reaches_the_program_and_one_byte_more_fails_the_check()
    {
        string longest = Config("big", 0, $$"""{ "BIG": "{{new string('x', LongestValue)}}" }""");
        string tooLong = Config("too-big", 0, $$"""{ "BIG": "{{new string('x', LongestValue + 1)}}" }""");

        CliResult refused = await Fixtures.Cli.RunAsync("check", "-c", tooLong);

        Assert.True(refused.ExitCode == 78, refused.ToString());
        Assert.Equal([$"{tooLong}: Bridges:web:Environment:BIG: is {LongestValue + 6} bytes as BIG=VALUE with its NUL; execve(2) takes at most 131072 (MAX_ARG_STRLEN)"], refused.StderrLines);

        await using Daemon daemon = await Daemon.StartAsync(["run", "-c", longest], _dir, ownsDirectory: false);
        int port = await daemon.PortOfAsync("web");
        string reply = await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port));
        Assert.Equal($"{LongestValue}\n", reply);
    }

    [Fact]
    public async Task An_environment_larger_than_the_argument_space_fails_the_check_and_run()
    {
        // Variables of 100,000 bytes, a few more than the kernel takes (ARG_MAX, from the stack limit, at most
        // 6 MiB). At most 3 MB of them in the file (a configuration file is at most 4 MiB); the rest, where the
        // argument space is larger, passed from the daemon's own environment (PassEnvironment).
        var getconf = await Clients.RunProgramAsync("getconf", ["ARG_MAX"]);
        long argumentSpace = Math.Min(long.Parse(getconf.Stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture), 6 * 1024 * 1024);
        int total = (int)(argumentSpace / 100_000) + 2;
        int inFile = Math.Min(total, 30);
        int passed = total - inFile;
        string value = new('v', 100_000);
        var variables = new StringBuilder("{");
        for (int i = 0; i < inFile; i++)
        {
            variables.Append(i == 0 ? string.Empty : ", ").Append($"\"V{i}\": \"").Append(value).Append('"');
        }

        var environment = Enumerable.Range(0, passed).ToDictionary(i => $"P{i}", _ => value);
        string config = _dir.Write("huge.json", $$"""
            { "Bridges": { "web": { "Listen": "tcp:127.0.0.1:0", "User": "root",
                "Exec": ["/bin/sh", "-c", "echo ${#BIG}"], "Environment": {{variables.Append('}')}},
                "PassEnvironment": [{{string.Join(", ", environment.Keys.Select(k => $"\"{k}\""))}}] } } }
            """);
        string key = passed > inFile ? "PassEnvironment" : "Environment";

        CliResult check = await Fixtures.Cli.RunAsync(["check", "-c", config], TimeSpan.FromSeconds(30), environment);
        await using Daemon daemon = Daemon.Launch(["run", "-c", config], _dir, ownsDirectory: false, environment);
        int exit = await daemon.WaitExitAsync();

        Assert.True(check.ExitCode == 78, check.ToString());
        string line = Assert.Single(check.StderrLines);
        Assert.StartsWith($"{config}: Bridges:web:{key}: with Exec and the variables socketbridge adds, the program's arguments and environment take ", line, StringComparison.Ordinal);
        Assert.Contains("execve(2) takes at most ", line, StringComparison.Ordinal);
        Assert.Contains("(ARG_MAX)", line, StringComparison.Ordinal);
        Assert.Equal(78, exit);
        Assert.Contains(line, daemon.Logs);
    }

    [Fact]
    public void Variables_passed_from_the_daemons_environment_count_towards_the_limit()
    {
        var environment = new Passing(new string('p', 100_000));
        string names = string.Join(", ", Enumerable.Range(0, 70).Select(i => $"\"P{i}\""));

        var ex = Assert.Throws<ConfigurationException>(() => new ConfigurationLoader(environment).LoadText("test.json", $$"""
            { "Bridges": { "web": { "Listen": "tcp:127.0.0.1:7001", "Exec": ["/bin/cat"], "User": "root", "PassEnvironment": [{{names}}] } } }
            """));

        ConfigurationError error = Assert.Single(ex.Errors);
        Assert.Equal("Bridges:web:PassEnvironment", error.Key);
        Assert.Contains("(ARG_MAX)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_argument_longer_than_execve_takes_fails_the_check()
    {
        string config = _dir.Write("arg.json", $$"""
            { "Bridges": { "web": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/echo", "{{new string('a', 131072)}}"] } } }
            """);

        CliResult check = await Fixtures.Cli.RunAsync("check", "-c", config);

        Assert.True(check.ExitCode == 78, check.ToString());
        Assert.Equal([$"{config}: Bridges:web:Exec: argument 1 is 131073 bytes with its NUL; execve(2) takes at most 131072 (MAX_ARG_STRLEN)"], check.StderrLines);
    }

    private string Config(string name, int port, string environment) => _dir.Write($"{name}.json", $$"""
        { "Bridges": { "web": { "Listen": "tcp:127.0.0.1:{{port}}", "User": "root",
            "Exec": ["/bin/sh", "-c", "echo ${#BIG}"], "Environment": {{environment}} } } }
        """);

    private sealed class Passing(string value) : ConfigurationEnvironment
    {
        public override string? GetVariable(string name) => name.Length > 1 && name[0] == 'P' && char.IsAsciiDigit(name[1]) ? value : base.GetVariable(name);
    }
}
