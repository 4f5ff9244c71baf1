using System.Net;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Sandbox;

/// <summary>Nice and UMask, as the launched program sees them.</summary>
public sealed class NiceAndUMaskTests
{
    [Fact]
    public async Task A_file_the_program_creates_has_the_mode_its_UMask_leaves()
    {
        using var dir = new TempDirectory();
        string shared = Path.Combine(dir.Path, "out");
        Directory.CreateDirectory(shared);
        File.SetUnixFileMode(dir.Path, (UnixFileMode)Convert.ToInt32("755", 8));
        File.SetUnixFileMode(shared, (UnixFileMode)Convert.ToInt32("777", 8)); // nobody writes there
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": {
                "strict": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "UMask": "0027", "Exec": ["/bin/sh", "-c", "touch \"$0/$SOCKETBRIDGE_BRIDGE\"; umask", "{{shared}}"] },
                "open": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "UMask": "0002", "Exec": ["/bin/sh", "-c", "touch \"$0/$SOCKETBRIDGE_BRIDGE\"; umask", "{{shared}}"] } } }
            """, dir);

        Assert.Equal("0027\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, await daemon.PortOfAsync("strict"))));
        Assert.Equal("0002\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, await daemon.PortOfAsync("open"))));

        // touch creates with 0666: the mode on disk is what the umask left of it.
        Assert.Equal(Convert.ToInt32("640", 8), (int)File.GetUnixFileMode(Path.Combine(shared, "strict")));
        Assert.Equal(Convert.ToInt32("664", 8), (int)File.GetUnixFileMode(Path.Combine(shared, "open")));
    }

    [Fact]
    public async Task The_program_runs_at_its_Nice_value_and_at_the_daemons_without_one()
    {
        await using Daemon daemon = await Daemon.StartAsync("""
            { "Bridges": {
                "low": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "Nice": 7, "Exec": ["/usr/bin/nice"] },
                "high": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "Nice": -5, "Exec": ["/usr/bin/nice"] },
                "stat": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "Nice": 19, "Exec": ["/bin/sh", "-c", "cut -d ' ' -f 19 /proc/self/stat"] },
                "plain": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "Exec": ["/usr/bin/nice"] } } }
            """);

        Assert.Equal("7\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, await daemon.PortOfAsync("low"))));
        Assert.Equal("-5\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, await daemon.PortOfAsync("high"))));
        Assert.Equal("19\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, await daemon.PortOfAsync("stat"))));
        string daemonNice = File.ReadAllText($"/proc/{daemon.Pid}/stat").Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[16];
        Assert.Equal(daemonNice + "\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, await daemon.PortOfAsync("plain"))));
    }
}
