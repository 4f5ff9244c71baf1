using System.Diagnostics;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Cli;

/// <summary>socketbridge pipe ENDPOINT, from shell pipelines (SPEC 2).</summary>
public sealed class PipeCommandTests
{
    [Fact]
    public async Task A_shell_pipeline_talks_to_tcp_unix_and_abstract_endpoints_with_half_close_both_ways()
    {
        using var dir = new TempDirectory();
        string path = dir["pipe.sock"];
        string name = "sbt-pipe-" + Guid.NewGuid().ToString("N");
        // sha256sum answers only after its input's EOF: the half-close must reach it.
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": {
                "t": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["sha256sum"] },
                "u": { "Listen": "unix:{{path}}", "User": "root", "Exec": ["sha256sum"] },
                "a": { "Listen": "unix:@{{name}}", "User": "root", "Exec": ["sha256sum"] } } }
            """, dir);
        int port = await daemon.PortOfAsync("t");

        foreach (string endpoint in (string[])[$"tcp:127.0.0.1:{port}", $"unix:{path}", $"unix:@{name}"])
        {
            var (exit, stdout, stderr) = await Clients.RunProgramAsync("/bin/sh", ["-c", $"printf 'some data' | '{Binary.Path}' pipe '{endpoint}' | cut -c1-16"]);

            Assert.True(exit == 0, stderr);
            Assert.Equal("1307990e6ba5ca14\n", stdout); // sha256 of "some data"
        }
    }

    [Fact]
    public async Task The_endpoint_closing_ends_the_command_even_while_stdin_stays_open()
    {
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "bye": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/echo", "bye"] } } }
            """);
        int port = await daemon.PortOfAsync("bye");

        var start = new ProcessStartInfo(Binary.Path, ["pipe", $"tcp:127.0.0.1:{port}"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using Process pipe = Process.Start(start)!;
        try
        {
            Task<string> output = pipe.StandardOutput.ReadToEndAsync();
            await Wait.ForAsync(pipe.WaitForExitAsync().ContinueWith(_ => true), "pipe to exit with its stdin still open");

            Assert.Equal(0, pipe.ExitCode);
            Assert.Equal("bye\n", await output);
        }
        finally
        {
            if (!pipe.HasExited)
            {
                pipe.Kill();
            }
        }
    }

    [Theory]
    [InlineData("tcp:127.0.0.1:1", "socketbridge pipe: cannot reach tcp:127.0.0.1:1: Connection refused\n")]
    [InlineData("unix:/nonexistent/sbt.sock", "socketbridge pipe: cannot reach unix:/nonexistent/sbt.sock: No such file or directory\n")]
    public async Task An_endpoint_that_cannot_be_reached_is_one_line_and_exit_69(string endpoint, string message)
    {
        CliResult result = await Fixtures.Cli.RunAsync("pipe", endpoint);

        Assert.Equal(69, result.ExitCode);
        Assert.Equal(message, result.Stderr);
        Assert.Equal(string.Empty, result.Stdout);
    }

    [Fact]
    public async Task A_malformed_endpoint_is_bad_usage()
    {
        CliResult result = await Fixtures.Cli.RunAsync("pipe", "tcp:nowhere");

        Assert.Equal(64, result.ExitCode);
        Assert.StartsWith("socketbridge pipe: ENDPOINT: \"tcp:nowhere\" has no port", result.Stderr);
    }
}
