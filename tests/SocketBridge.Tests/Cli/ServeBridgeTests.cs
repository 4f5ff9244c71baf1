using System.Text;
using System.Text.Json;
using SocketBridge.Cli;
using SocketBridge.Configuration;

namespace SocketBridge.Tests.Cli;

/// <summary>
/// serve builds its bridge from its arguments, without writing JSON: read as
/// a file's bridge is, it gives the options, errors and warnings the same
/// arguments written as a configuration file give (serve used to write one).
/// </summary>
[Trait("Category", "Unit")]
public sealed class ServeBridgeTests
{
    public static TheoryData<string, string[], string?, string?> Arguments => new()
    {
        { "tcp:127.0.0.1:7000", ["cat", "-u"], "root", null },
        { "tcp:127.0.0.1:7000", ["/bin/cat"], "nobody", "nogroup" },
        { "unix:@serve-test", ["/bin/cat"], "root", null },
        { "unix-seqpacket:/tmp/serve-test.sock", ["/bin/cat"], "root", "root" },
        { "tcp:127.0.0.1:7000", ["cat"], null, null },
        { "tcp:127.0.0.1:7000", ["cat"], null, "root" },
        { "udp:127.0.0.1:7000", ["/bin/cat"], "root", null },
        { "tcp:nowhere", ["/bin/cat"], "root", null },
        { "fifo:relative", ["/bin/cat"], "root", null },
        { "tcp:127.0.0.1:7000", ["/no/such/program"], "sbt-no-such-user", "sbt-no-such-group" },
        { "tcp:127.0.0.1:7000", ["./relative"], "root", null },
        { "tcp:127.0.0.1:7000", ["/bin/echo", "a\0b"], "root", null },
        { "tcp:127.0.0.1:7000", [""], "root", null },
    };

    [Theory]
    [MemberData(nameof(Arguments))]
    public void Serve_arguments_read_as_the_same_bridge_written_in_a_file(string endpoint, string[] program, string? user, string? group)
    {
        string direct = Outcome(() => new ConfigurationLoader().LoadBridge(CommandLine.ServeBridge(endpoint, program, user, group)));
        string written = Outcome(() => new ConfigurationLoader().LoadText("socketbridge serve", Json(endpoint, program, user, group)));

        Assert.Equal(written, direct);
    }

    [Fact]
    public void The_bridge_has_the_keys_and_paths_of_a_file_bridge_named_serve()
    {
        ConfigNode bridge = CommandLine.ServeBridge("tcp:127.0.0.1:7000", ["cat"], "nobody", null);

        Assert.Equal("Bridges:serve", bridge.Path);
        Assert.Equal("socketbridge serve", bridge.File);
        Assert.Equal(["Listen", "Exec", "User"], bridge.Children!.Keys);
        Assert.Equal("Bridges:serve:Exec", bridge["Exec"]!.Path);
        Assert.Equal("""{"Exec":["cat"],"Listen":"tcp:127.0.0.1:7000","User":"nobody"}""", bridge.Canonical());
    }

    /// <summary>What loading gave, as text: every error and warning, or the options that matter to a spawn bridge.</summary>
    private static string Outcome(Func<SocketBridgeOptions> load)
    {
        SocketBridgeOptions options;
        try
        {
            options = load();
        }
        catch (ConfigurationException ex)
        {
            return string.Join('\n', ex.Errors.Select(e => $"error {e}").Concat(ex.Warnings.Select(w => $"warning {w}")));
        }

        BridgeOptions bridge = Assert.Single(options.Bridges);
        ProgramOptions program = bridge.Program!;
        return string.Join(
            '\n',
            $"{bridge.Name} {bridge.File} {bridge.Mode} {bridge.Fingerprint}",
            string.Join(", ", bridge.Listen.Endpoints.Select(e => $"{e.Key} {e.Options}")),
            $"{bridge.Listen.SocketMode} {bridge.Listen.SocketUid} {bridge.Listen.SocketGid} {bridge.Listen.Backlog} {bridge.Listen.SocketOptions}",
            $"{program.Exec.Path} [{string.Join('|', program.Exec.Arguments)}] {program.WorkingDirectory} {program.User} {program.Group} {program.StandardError} {program.StandardInput}",
            $"{program.Credentials?.Uid} {program.Credentials?.Gid} [{string.Join(' ', program.Credentials?.Groups ?? [])}] [{string.Join(' ', program.Environment)}] {program.ConfiguredVariables}",
            $"{bridge.MaxConnections} {bridge.OnLimit} {bridge.MaxConnectionsPerSource} {bridge.RateLimit} {bridge.Access.IsOpen} {bridge.NoDelay} {bridge.Forward is null}",
            string.Join('\n', options.Warnings.Select(w => $"warning {w}")),
            string.Join(' ', options.Files),
            $"{options.Daemon}");
    }

    /// <summary>The file serve used to write for these arguments.</summary>
    private static string Json(string endpoint, string[] program, string? user, string? group)
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
            if (user is not null)
            {
                json.WriteString("User", user);
            }

            if (group is not null)
            {
                json.WriteString("Group", group);
            }

            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
