using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Sandbox;

/// <summary>RuntimeMax: SIGTERM to the program's process group when it is reached, SIGKILL ShutdownTimeout later, and an exit entry that says which.</summary>
public sealed class RuntimeMaxTests
{
    [Fact]
    public async Task A_sleeping_program_is_ended_by_SIGTERM_at_RuntimeMax_and_the_entry_says_so()
    {
        await using Daemon daemon = await Daemon.StartAsync("""
            { "Bridges": {
                "bounded": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "RuntimeMax": "1s", "Exec": ["/bin/sh", "-c", "echo started; exec sleep 60"] } } }
            """);
        int port = await daemon.PortOfAsync("bounded");

        using Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        var clock = Stopwatch.StartNew();
        Assert.Equal("started\n", await Clients.ReadToEndAsync(client, TimeSpan.FromSeconds(20)));
        TimeSpan eof = clock.Elapsed;

        string end = await daemon.WaitForLogAsync(l => l.Contains("bounded ") && l.Contains(": child "), "the program's end");
        Assert.True(end.Contains("reached RuntimeMax and was sent SIGTERM; it was killed by SIGTERM after ", StringComparison.Ordinal), end);
        Assert.Contains(" WRN ", end);
        long duration = long.Parse(end.Split(" after ")[1].Split(' ')[0]);
        Assert.InRange(duration, 1000, 10_000);
        Assert.True(eof < TimeSpan.FromSeconds(10), $"the client saw EOF {eof.TotalMilliseconds:0} ms after connecting");
    }

    [Fact]
    public async Task A_program_that_ignores_SIGTERM_is_killed_ShutdownTimeout_after_RuntimeMax_with_its_process_group()
    {
        await using Daemon daemon = await Daemon.StartAsync("""
            { "SocketBridge": { "ShutdownTimeout": "1s" },
              "Bridges": {
                "stubborn": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "RuntimeMax": "1s",
                    "Exec": ["/bin/sh", "-c", "trap '' TERM; sleep 60 & echo $!; wait"] } } }
            """);
        int port = await daemon.PortOfAsync("stubborn");

        using Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        var clock = Stopwatch.StartNew();
        int sleeper = int.Parse(await Clients.ReadLineAsync(client));

        // The sleep in the background keeps the connection open until the group's SIGKILL ends it too.
        Assert.Equal(string.Empty, await Clients.ReadToEndAsync(client, TimeSpan.FromSeconds(20)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"the client saw EOF {clock.Elapsed.TotalMilliseconds:0} ms after connecting");
        await Wait.UntilAsync(() => !ProcFs.IsAlive(sleeper), "the program's background sleep to be gone");

        string end = await daemon.WaitForLogAsync(l => l.Contains("stubborn ") && l.Contains(": child "), "the program's end");
        Assert.True(end.Contains("reached RuntimeMax and was sent SIGKILL; it was killed by SIGKILL after ", StringComparison.Ordinal), end);
        long duration = long.Parse(end.Split(" after ")[1].Split(' ')[0]);
        Assert.InRange(duration, 2000, 12_000);
    }

    [Fact]
    public async Task A_program_that_ends_on_its_own_before_RuntimeMax_has_a_plain_entry()
    {
        await using Daemon daemon = await Daemon.StartAsync("""
            { "Bridges": { "quick": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "RuntimeMax": "30s", "Exec": ["/bin/echo", "done"] } } }
            """);
        int port = await daemon.PortOfAsync("quick");

        Assert.Equal("done\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port)));
        string end = await daemon.WaitForLogAsync(l => l.Contains("quick ") && l.Contains(": child "), "the program's end");
        Assert.Contains("exited with status 0", end);
        Assert.DoesNotContain("RuntimeMax", end);
    }
}
