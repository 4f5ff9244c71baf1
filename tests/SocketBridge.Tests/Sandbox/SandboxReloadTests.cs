using System.Net;
using System.Net.Sockets;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Sandbox;

/// <summary>A reload's new Nice and UMask apply to programs started after it; a program already running keeps what it was given.</summary>
public sealed class SandboxReloadTests
{
    [Fact]
    public async Task After_a_reload_a_new_connections_program_has_the_new_Nice_and_UMask_and_a_running_one_keeps_the_old()
    {
        using var dir = new TempDirectory();
        int port = Ports.Free();
        string Config(int nice, string umask) => $$"""
            { "Bridges": { "tuned": { "Listen": "tcp:127.0.0.1:{{port}}", "User": "nobody", "Nice": {{nice}}, "UMask": "{{umask}}",
                "Exec": ["/bin/sh", "-c", "echo $$ $(nice) $(umask); cat >/dev/null"] } } }
            """;
        string config = dir.Write("config.json", Config(3, "0027"));
        await using Daemon daemon = await Daemon.StartAsync(["run", "-c", config], dir, ownsDirectory: false);

        using Socket before = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        string[] old = (await Clients.ReadLineAsync(before)).Split(' ');
        Assert.Equal(["3", "0027"], old[1..]);

        dir.Write("config.json", Config(9, "0077"));
        CliResult reload = await Fixtures.Cli.RunAsync("reload", "--control", daemon.ControlSocket);
        Assert.True(reload.ExitCode == 0, reload.ToString());

        using Socket after = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        string[] fresh = (await Clients.ReadLineAsync(after)).Split(' ');
        Assert.Equal(["9", "0077"], fresh[1..]);

        // The program started before the reload still runs at its nice value.
        string stat = File.ReadAllText($"/proc/{old[0]}/stat");
        Assert.Equal("3", stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16]);
    }
}
