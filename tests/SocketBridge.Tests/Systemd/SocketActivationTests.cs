using System.Net;
using System.Net.Sockets;
using SocketBridge.Native;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Systemd;

/// <summary>The daemon itself socket-activated (SPEC 4, 7), by systemd-socket-activate.</summary>
public sealed class SocketActivationTests
{
    /// <summary>
    /// How long the first connection may wait: it is made before the daemon is
    /// ready and waits in the passed socket's backlog for the whole start-up,
    /// which the framework-dependent build takes seconds for on a loaded machine.
    /// </summary>
    private static readonly TimeSpan BeforeReady = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_systemd_endpoint_serves_the_socket_passed_under_its_name()
    {
        using var dir = new TempDirectory();
        int port = Ports.Free();
        dir.Write("config.json", """
            { "Bridges": { "web": { "Listen": "systemd:web",
                "User": "root", "Exec": ["/bin/sh", "-c", "echo served on $ADDR:$PORT as $LISTEN_FDNAMES pid-match=$([ $LISTEN_PID = $$ ] && echo yes)"] } } }
            """);
        await using Daemon daemon = await ActivateAsync(dir, [$"127.0.0.1:{port}"], "web");

        // systemd-socket-activate execs the daemon on the first connection, which must be served.
        string reply = await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port), timeout: BeforeReady);
        await daemon.WaitReadyAsync();

        Assert.Equal($"served on 127.0.0.1:{port} as connection pid-match=yes\n", reply);
        await daemon.WaitForLogAsync($"web: listening on tcp:127.0.0.1:{port} (passed by systemd as web)");
        Assert.Equal("served on", (await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port)))[..9]);
    }

    [Fact]
    public async Task A_tcp_Listen_equal_to_a_passed_socket_adopts_it_instead_of_binding()
    {
        using var dir = new TempDirectory();
        int port = Ports.Free();
        dir.Write("config.json", $$"""
            { "Bridges": { "adopt": { "Listen": "tcp:127.0.0.1:{{port}}", "User": "root", "Exec": ["/bin/echo", "adopted"] } } }
            """);
        await using Daemon daemon = await ActivateAsync(dir, [$"127.0.0.1:{port}"], names: null);

        // Binding would fail with EADDRINUSE: the passed socket already listens there.
        Assert.Equal("adopted\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port), timeout: BeforeReady));
        await daemon.WaitReadyAsync();
        await daemon.WaitForLogAsync($"adopt: listening on tcp:127.0.0.1:{port} (passed by systemd as");
    }

    [Fact]
    public async Task A_unix_Listen_adopts_the_passed_socket_and_leaves_its_file_to_systemd()
    {
        using var dir = new TempDirectory();
        string path = dir["activated.sock"];
        int port = Ports.Free();
        dir.Write("config.json", $$"""
            { "Bridges": {
                "local": { "Listen": "unix:{{path}}", "User": "root", "Exec": ["/bin/sh", "-c", "echo $SOCKET_PATH"] },
                "remote": { "Listen": "systemd:remote", "User": "root", "Exec": ["/bin/echo", "remote"] } } }
            """);
        await using Daemon daemon = await ActivateAsync(dir, [path, $"127.0.0.1:{port}"], "local:remote");

        Assert.Equal("remote\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port), timeout: BeforeReady));
        await daemon.WaitReadyAsync();
        Assert.Equal($"{path}\n", await Clients.ExchangeAsync(await Clients.ConnectUnixAsync(path)));
        FileStatus file = Posix.TryLStat(path)!.Value;

        Assert.Equal(0, await daemon.StopAsync());
        Assert.True(Posix.TryLStat(path)?.IsSameFile(file), "a socket file the daemon did not create is not removed");
    }

    [Fact]
    public async Task Each_endpoint_of_a_bridge_is_adopted_by_name_or_address_or_bound()
    {
        using var dir = new TempDirectory();
        int named = Ports.Free(), byAddress = Ports.Free();
        string path = dir["bound.sock"];
        dir.Write("config.json", $$"""
            { "Bridges": { "web": { "Listen": ["systemd:web", "tcp:127.0.0.1:{{byAddress}}", "unix:{{path}}"],
                "User": "root", "Exec": ["/bin/sh", "-c", "echo $PROTO ${PORT:-$SOCKET_PATH}"] } } }
            """);
        await using Daemon daemon = await ActivateAsync(dir, [$"127.0.0.1:{named}", $"127.0.0.1:{byAddress}"], "web:other");

        Assert.Equal($"inet {named}\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, named), timeout: BeforeReady));
        await daemon.WaitReadyAsync();
        Assert.Equal($"inet {byAddress}\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, byAddress)));
        Assert.Equal($"unix {path}\n", await Clients.ExchangeAsync(await Clients.ConnectUnixAsync(path)));
        await daemon.WaitForLogAsync($"web: listening on tcp:127.0.0.1:{named} (passed by systemd as web)");
        await daemon.WaitForLogAsync($"web: listening on tcp:127.0.0.1:{byAddress} (passed by systemd as other)");
        await daemon.WaitForLogAsync($"web: listening on unix:{path} (spawn");
        Assert.DoesNotContain(daemon.Logs, l => l.Contains("matches no bridge's Listen"));
    }

    [Fact]
    public async Task A_systemd_name_that_was_not_passed_is_a_clear_startup_error()
    {
        using var dir = new TempDirectory();
        int port = Ports.Free();
        dir.Write("config.json", """
            { "Bridges": { "missing": { "Listen": "systemd:web", "User": "root", "Exec": ["/bin/cat"] } } }
            """);
        await using Daemon daemon = await ActivateAsync(dir, [$"127.0.0.1:{port}"], "other");

        using Socket trigger = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        Assert.Equal(1, await daemon.WaitExitAsync());
        Assert.Contains(daemon.Logs, l => l.Contains("bridge missing: Listen: systemd:web was not passed by the service manager (LISTEN_FDNAMES has other)"));
    }

    [Fact]
    public async Task Without_socket_activation_a_systemd_endpoint_says_how_to_start_it()
    {
        using var dir = new TempDirectory();
        dir.Write("config.json", """
            { "Bridges": { "alone": { "Listen": "systemd:web", "User": "root", "Exec": ["/bin/cat"] } } }
            """);
        await using Daemon daemon = Daemon.Launch(["run", "-c", dir["config.json"]], dir, ownsDirectory: false);

        Assert.Equal(1, await daemon.WaitExitAsync());
        Assert.Contains(daemon.Logs, l => l.Contains("systemd:web was not passed by the service manager (no sockets were passed"));
    }

    [Fact]
    public async Task Socket_activation_variables_meant_for_another_process_are_ignored()
    {
        int port = Ports.Free();
        using var dir = new TempDirectory();
        dir.Write("config.json", $$"""
            { "Bridges": { "own": { "Listen": "tcp:127.0.0.1:{{port}}", "User": "root", "Exec": ["/bin/echo", "bound"] } } }
            """);
        await using Daemon daemon = await Daemon.StartAsync(["run", "-c", dir["config.json"]], dir, ownsDirectory: false,
            new Dictionary<string, string> { ["LISTEN_PID"] = "1", ["LISTEN_FDS"] = "1", ["LISTEN_FDNAMES"] = "own" });

        Assert.Equal("bound\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port)));
    }

    /// <summary>systemd-socket-activate listening on <paramref name="listen"/>; it execs socketbridge on the first connection.</summary>
    private static async Task<Daemon> ActivateAsync(TempDirectory dir, string[] listen, string? names)
    {
        var launcher = new List<string> { "systemd-socket-activate", "-E", "NOTIFY_SOCKET" };
        foreach (string address in listen)
        {
            launcher.Add($"--listen={address}");
        }

        if (names is not null)
        {
            launcher.Add($"--fdname={names}");
        }

        Daemon daemon = Daemon.Launch(["run", "-c", dir["config.json"]], dir, ownsDirectory: false, launcher: [.. launcher]);
        await Wait.UntilAsync(() => daemon.Logs.Count(l => l.StartsWith("Listening on ", StringComparison.Ordinal)) == listen.Length, "systemd-socket-activate to listen");
        return daemon;
    }
}
