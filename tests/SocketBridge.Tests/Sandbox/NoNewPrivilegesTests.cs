using System.Net;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Sandbox;

/// <summary>NoNewPrivileges: on unless turned off, and then a setuid-root program run by the program gains nothing.</summary>
public sealed class NoNewPrivilegesTests
{
    [Fact]
    public async Task The_program_has_NoNewPrivs_by_default_and_with_true_and_not_with_false()
    {
        await using Daemon daemon = await Daemon.StartAsync("""
            { "Bridges": {
                "default": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "Exec": ["/bin/grep", "NoNewPrivs", "/proc/self/status"] },
                "on": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "NoNewPrivileges": true, "Exec": ["/bin/grep", "NoNewPrivs", "/proc/self/status"] },
                "off": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "NoNewPrivileges": false, "Exec": ["/bin/grep", "NoNewPrivs", "/proc/self/status"] } } }
            """);

        Assert.Equal("NoNewPrivs:\t1\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, await daemon.PortOfAsync("default"))));
        Assert.Equal("NoNewPrivs:\t1\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, await daemon.PortOfAsync("on"))));
        Assert.Equal("NoNewPrivs:\t0\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, await daemon.PortOfAsync("off"))));
    }

    [Fact]
    public async Task A_setuid_root_program_run_as_nobody_stays_nobody_under_NoNewPrivileges_and_becomes_root_without()
    {
        // A setuid-root copy of id in the test's directory, on /tmp's filesystem (not mounted nosuid: the
        // contrast below, root without NoNewPrivileges, shows the bit works there).
        using var dir = new TempDirectory();
        File.SetUnixFileMode(dir.Path, (UnixFileMode)Convert.ToInt32("755", 8));
        string id = dir["id"];
        File.Copy("/usr/bin/id", id);
        File.SetUnixFileMode(id, (UnixFileMode)Convert.ToInt32("4755", 8)); // the test runs as root: the copy is root's
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": {
                "confined": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "Exec": ["{{id}}", "-u"] },
                "unconfined": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "NoNewPrivileges": false, "Exec": ["{{id}}", "-u"] } } }
            """, dir);

        Assert.Equal("65534\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, await daemon.PortOfAsync("confined"))));
        Assert.Equal("0\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, await daemon.PortOfAsync("unconfined"))));
    }
}
