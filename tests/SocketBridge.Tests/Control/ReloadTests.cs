using System.Net;
using System.Net.Sockets;
using System.Text;
using SocketBridge.Native;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Control;

/// <summary>SIGHUP and <c>socketbridge reload</c> (SPEC 7), as an administrator uses them on a busy daemon.</summary>
public sealed class ReloadTests
{
    private static Task<CliResult> ReloadAsync(Daemon daemon) =>
        Fixtures.Cli.RunAsync("reload", "--control", daemon.ControlSocket);

    private static async Task<string> LineAsync(Socket socket, string line)
    {
        await socket.SendAsync(Encoding.UTF8.GetBytes(line + "\n"));
        return await Clients.ReadLineAsync(socket);
    }

    [Fact]
    public async Task A_client_connecting_in_a_loop_to_an_unchanged_bridge_sees_no_refusal_during_20_reloads()
    {
        using var dir = new TempDirectory();
        string Config(int version) => $$"""
            { "Bridges": {
                "stable": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"] },
                "churn": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/echo", "v{{version}}"] } } }
            """;
        await using Daemon daemon = await Daemon.StartAsync(Config(0), dir);
        int stable = await daemon.PortOfAsync("stable");
        int churn = await daemon.PortOfAsync("churn");

        using var stop = new CancellationTokenSource();
        int served = 0;
        var failures = new List<string>();
        Task loop = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    string echoed = await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, stable), "ping\n");
                    if (echoed == "ping\n")
                    {
                        Interlocked.Increment(ref served);
                    }
                    else
                    {
                        lock (failures)
                        {
                            failures.Add($"answer {echoed}");
                        }
                    }
                }
                catch (Exception ex) when (ex is SocketException or TimeoutException or OperationCanceledException)
                {
                    lock (failures)
                    {
                        failures.Add(ex.Message);
                    }
                }
            }
        });

        for (int version = 1; version <= 20; version++)
        {
            dir.Write("config.json", Config(version));
            if (version % 2 == 0)
            {
                CliResult reload = await ReloadAsync(daemon);
                Assert.Equal(0, reload.ExitCode);
                Assert.Contains("1 changed", reload.Stdout);
                Assert.Contains("1 unchanged", reload.Stdout);
            }
            else
            {
                int before = daemon.Logs.Count(l => l.Contains("reloaded:"));
                daemon.Signal(LibC.SIGHUP);
                await Wait.UntilAsync(() => daemon.Logs.Count(l => l.Contains("reloaded:")) > before, "the reload after SIGHUP");
            }

            Assert.Equal($"v{version}\n", await Clients.ReadToEndAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, churn)));
        }

        int servedDuringReloads = Volatile.Read(ref served);
        await stop.CancelAsync();
        await loop;
        Assert.Empty(failures);
        Assert.True(servedDuringReloads >= 20, $"only {servedDuringReloads} connections were served during the reloads");

        // The service manager heard RELOADING=1 (with MONOTONIC_USEC) and READY=1 around each of them.
        await Wait.UntilAsync(() => daemon.Notifications.Count(n => n.Contains("READY=1")) >= 21, "READY=1 after every reload");
        string[] reloading = daemon.Notifications.Where(n => n.Contains("RELOADING=1")).ToArray();
        Assert.Equal(20, reloading.Length);
        Assert.All(reloading, n => Assert.Matches("MONOTONIC_USEC=[0-9]+", n));
    }

    [Fact]
    public async Task Open_connections_keep_flowing_across_a_reload_that_changes_or_removes_their_bridge()
    {
        using var dir = new TempDirectory();
        string gone = dir["gone.sock"];
        await using Backend backend = Backend.Tcp(0, Backend.Echo);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": {
                "kept": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"] },
                "changed": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{backend.Port}}" },
                "gone": { "Listen": "unix:{{gone}}", "User": "root", "Exec": ["/bin/cat"] } } }
            """, dir);
        int kept = await daemon.PortOfAsync("kept");
        int changed = await daemon.PortOfAsync("changed");
        using Socket onKept = await Clients.ConnectTcpAsync(IPAddress.Loopback, kept);
        using Socket onChanged = await Clients.ConnectTcpAsync(IPAddress.Loopback, changed);
        using Socket onGone = await Clients.ConnectUnixAsync(gone);
        foreach (Socket socket in (Socket[])[onKept, onChanged, onGone])
        {
            Assert.Equal("before", await LineAsync(socket, "before"));
        }

        dir.Write("config.json", $$"""
            { "Bridges": {
                "kept": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"] },
                "changed": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{backend.Port}}", "IdleTimeout": "1min" } } }
            """);
        CliResult reload = await ReloadAsync(daemon);
        Assert.Equal(0, reload.ExitCode);
        Assert.Contains("1 changed, 1 removed, 1 unchanged", reload.Stdout);

        // The removed bridge no longer listens and its socket file is gone...
        Assert.Null(Posix.TryLStat(gone));
        await Assert.ThrowsAnyAsync<SocketException>(() => Clients.ConnectUnixAsync(gone));

        // ...but every open connection still flows, and the changed bridge serves new ones.
        foreach (Socket socket in (Socket[])[onKept, onChanged, onGone])
        {
            Assert.Equal("after", await LineAsync(socket, "after"));
        }

        Assert.Equal("new\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, changed), "new\n"));

        // The removed bridge's program was not signalled: it ends when its client does.
        onGone.Shutdown(SocketShutdown.Send);
        Assert.Equal(string.Empty, await Clients.ReadToEndAsync(onGone));
        await daemon.WaitForLogAsync(l => l.Contains(" gone ") && l.Contains("exited with status 0"), "the removed bridge's program exiting on its own");
    }

    [Fact]
    public async Task A_broken_file_on_reload_is_refused_with_its_problems_and_the_old_bridges_keep_serving()
    {
        using var dir = new TempDirectory();
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "steady": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/echo", "old"] } } }
            """, dir);
        int port = await daemon.PortOfAsync("steady");
        string config = dir.Write("config.json", $$"""
            { "Bridges": { "steady": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/echo", "new"], "MaxConections": 5 } } }
            """);

        // Found through the same (now broken) files as run, not --control.
        CliResult reload = await Fixtures.Cli.RunAsync("reload", "-c", dir["control.json"], "-c", config);

        Assert.Equal(78, reload.ExitCode);
        Assert.Contains($"{config}: Bridges:steady:MaxConections: unknown key", reload.Stderr);
        Assert.Contains("MaxConnections", reload.Stderr);
        string logged = await daemon.WaitForLogAsync("reload refused");
        Assert.Contains(" ERR ", logged);
        await daemon.WaitForLogAsync("Bridges:steady:MaxConections");
        Assert.Equal("old\n", await Clients.ReadToEndAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port)));

        // SIGHUP with the same file: refused the same way, and the daemon says READY=1 again.
        int ready = daemon.Notifications.Count(n => n.Contains("READY=1"));
        daemon.Signal(LibC.SIGHUP);
        await Wait.UntilAsync(() => daemon.Logs.Count(l => l.Contains("reload refused")) == 2, "the second refusal");
        await Wait.UntilAsync(() => daemon.Notifications.Count(n => n.Contains("READY=1")) > ready, "READY=1 after the refused reload");
        Assert.Equal("old\n", await Clients.ReadToEndAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port)));
    }

    [Fact]
    public async Task A_changed_Listen_is_bound_before_the_old_socket_closes_and_its_open_connection_goes_on()
    {
        using var dir = new TempDirectory();
        int newPort = Ports.Free();
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "mover": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"] } } }
            """, dir);
        int oldPort = await daemon.PortOfAsync("mover");
        using Socket open = await Clients.ConnectTcpAsync(IPAddress.Loopback, oldPort);
        Assert.Equal("one", await LineAsync(open, "one"));

        dir.Write("config.json", $$"""
            { "Bridges": { "mover": { "Listen": "tcp:127.0.0.1:{{newPort}}", "User": "root", "Exec": ["/bin/cat"] } } }
            """);
        Assert.Equal(0, (await ReloadAsync(daemon)).ExitCode);

        // No gap: the new address serves at the first attempt, once reload has answered.
        Assert.Equal("hi\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, newPort), "hi\n"));
        await Assert.ThrowsAnyAsync<SocketException>(() => Clients.ConnectTcpAsync(IPAddress.Loopback, oldPort));
        Assert.Equal("two", await LineAsync(open, "two"));
    }

    [Fact]
    public async Task A_reload_whose_new_socket_cannot_be_bound_is_refused_whole()
    {
        using var dir = new TempDirectory();
        int extra = Ports.Free(); // a port nobody listens on: the new bridge must never bind it
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        squatter.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        squatter.Listen();
        int taken = ((IPEndPoint)squatter.LocalEndPoint!).Port;
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "first": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/echo", "first"] } } }
            """, dir);
        int port = await daemon.PortOfAsync("first");

        dir.Write("config.json", $$"""
            { "Bridges": {
                "first": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/echo", "changed"] },
                "extra": { "Listen": "tcp:127.0.0.1:{{extra}}", "User": "root", "Exec": ["/bin/echo", "extra"] },
                "blocked": { "Listen": "tcp:127.0.0.1:{{taken}}", "User": "root", "Exec": ["/bin/echo", "blocked"] } } }
            """);
        CliResult reload = await ReloadAsync(daemon);

        Assert.Equal(78, reload.ExitCode);
        Assert.Contains($"bridge blocked: cannot listen on tcp:127.0.0.1:{taken}", reload.Stderr);
        // Nothing of it took effect: the old bridge answers as before, the new one never listened.
        Assert.Equal("first\n", await Clients.ReadToEndAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port)));
        await Assert.ThrowsAnyAsync<SocketException>(() => Clients.ConnectTcpAsync(IPAddress.Loopback, extra));
    }

    [Fact]
    public async Task A_reload_can_lower_the_log_level()
    {
        using var dir = new TempDirectory();
        string Config(string level) => $$"""
            { "SocketBridge": { "LogLevel": "{{level}}" },
              "Bridges": { "quiet": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/echo", "hi"] } } }
            """;
        await using Daemon daemon = await Daemon.StartAsync(Config("Information"), dir);
        int port = await daemon.PortOfAsync("quiet");
        Assert.Equal("hi\n", await Clients.ReadToEndAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port)));
        await daemon.WaitForLogAsync("exited with status 0");

        dir.Write("config.json", Config("Warning"));
        Assert.Equal(0, (await ReloadAsync(daemon)).ExitCode);
        Assert.Equal("hi\n", await Clients.ReadToEndAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port)));
        daemon.Signal(LibC.SIGTERM);
        Assert.Equal(0, await daemon.WaitExitAsync());

        Assert.Single(daemon.Logs, l => l.Contains("exited with status 0"));
    }
}
