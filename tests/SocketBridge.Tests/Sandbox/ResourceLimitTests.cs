using System.Net;
using System.Net.Sockets;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Sandbox;

/// <summary>The <c>Limit*</c> keys, as the launched program meets them: a fork that fails, an allocation that fails, SIGXCPU.</summary>
public sealed class ResourceLimitTests
{
    /// <summary>
    /// Forks children that wait on a pipe, up to 20, stopping at the first
    /// failure; prints how many forks succeeded and the errno name of the
    /// failure (or "none"), then lets the children go and reaps them.
    /// </summary>
    private const string ForkLoop = """
        #!/usr/bin/python3
        import errno, os, sys
        r, w = os.pipe()
        forked, failure = 0, "none"
        for _ in range(20):
            try:
                pid = os.fork()
            except OSError as e:
                failure = errno.errorcode.get(e.errno, str(e.errno))
                break
            if pid == 0:
                os.close(w)
                os.read(r, 1)
                os._exit(0)
            forked += 1
        sys.stdout.write("%d %s\n" % (forked, failure))
        sys.stdout.flush()
        os.close(w)
        while True:
            try:
                os.wait()
            except ChildProcessError:
                break
        """;

    /// <summary>Allocates and fills 300 MiB; prints whether it could.</summary>
    private const string Allocate = """
        #!/usr/bin/python3
        import sys
        try:
            block = b"x" * (300 << 20)
            print("allocated", len(block) >> 20, "MiB")
        except MemoryError:
            print("MemoryError")
        """;

    /// <summary>
    /// A uid of the test's own, in no passwd entry: RLIMIT_NPROC counts every
    /// process of the program's user on the machine, and no other process
    /// runs as this one (socketbridge takes a number without an account).
    /// </summary>
    private static int DedicatedUid() => 3_100_000 + Random.Shared.Next(1_000_000);

    [Fact]
    public async Task A_fork_loop_stops_at_LimitNPROC_with_EAGAIN_and_runs_to_its_end_without_it()
    {
        using var dir = new TempDirectory();
        File.SetUnixFileMode(dir.Path, (UnixFileMode)Convert.ToInt32("755", 8)); // so the program's user can run the script
        string forks = dir.WriteScript("forks.py", ForkLoop);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": {
                "limited": { "Listen": "tcp:127.0.0.1:0", "User": "{{DedicatedUid()}}", "LimitNPROC": 4, "Exec": ["{{forks}}"] },
                "free": { "Listen": "tcp:127.0.0.1:0", "User": "{{DedicatedUid()}}", "Exec": ["{{forks}}"] } } }
            """, dir);

        string[] limited = (await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, await daemon.PortOfAsync("limited")))).Trim().Split(' ');
        string[] free = (await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, await daemon.PortOfAsync("free")))).Trim().Split(' ');

        // The program is one of the user's 4 processes: it can fork at most 3 (fewer if the kernel counts another).
        Assert.Equal("EAGAIN", limited[1]);
        int forked = int.Parse(limited[0]);
        Assert.InRange(forked, 1, 3);
        Assert.Equal(["20", "none"], free);
    }

    [Fact]
    public async Task An_allocation_fails_at_LimitAS_and_succeeds_without_it()
    {
        using var dir = new TempDirectory();
        File.SetUnixFileMode(dir.Path, (UnixFileMode)Convert.ToInt32("755", 8));
        string allocate = dir.WriteScript("allocate.py", Allocate);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": {
                "limited": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "LimitAS": "200M", "Exec": ["{{allocate}}"] },
                "free": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "Exec": ["{{allocate}}"] } } }
            """, dir);

        Assert.Equal("MemoryError\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, await daemon.PortOfAsync("limited"))));
        Assert.Equal("allocated 300 MiB\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, await daemon.PortOfAsync("free"))));
    }

    [Fact]
    public async Task A_cpu_spinner_is_killed_by_SIGXCPU_at_the_soft_LimitCPU_and_by_SIGKILL_when_soft_and_hard_are_one()
    {
        await using Daemon daemon = await Daemon.StartAsync("""
            { "Bridges": {
                "soft": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "LimitCPU": "1:10", "Exec": ["/bin/sh", "-c", "echo spinning; while :; do :; done"] },
                "hard": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "LimitCPU": 1, "Exec": ["/bin/sh", "-c", "echo spinning; while :; do :; done"] } } }
            """);

        // Both at once: each needs a second of CPU, on a machine of two shared cores.
        using Socket soft = await Clients.ConnectTcpAsync(IPAddress.Loopback, await daemon.PortOfAsync("soft"));
        using Socket hard = await Clients.ConnectTcpAsync(IPAddress.Loopback, await daemon.PortOfAsync("hard"));
        Task<string> softOutput = Clients.ReadToEndAsync(soft, TimeSpan.FromSeconds(60));
        Task<string> hardOutput = Clients.ReadToEndAsync(hard, TimeSpan.FromSeconds(60));
        Assert.Equal("spinning\n", await softOutput);
        Assert.Equal("spinning\n", await hardOutput);

        // setrlimit(2): SIGXCPU at the soft limit; at the hard limit, SIGKILL (with a single value, at once).
        string softEnd = await daemon.WaitForLogAsync(l => l.Contains("soft ") && l.Contains(": child "), "the soft spinner's end");
        string hardEnd = await daemon.WaitForLogAsync(l => l.Contains("hard ") && l.Contains(": child "), "the hard spinner's end");
        Assert.True(softEnd.Contains(" killed by SIGXCPU after ", StringComparison.Ordinal), softEnd);
        Assert.True(hardEnd.Contains(" killed by SIGKILL after ", StringComparison.Ordinal), hardEnd);
    }

    [Fact]
    public async Task LimitNOFILE_as_SOFT_HARD_is_what_the_program_sees()
    {
        await using Daemon daemon = await Daemon.StartAsync("""
            { "Bridges": {
                "files": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "LimitNOFILE": "64:128", "LimitFSIZE": "1M", "LimitCORE": 0,
                    "Exec": ["/bin/sh", "-c", "ulimit -Sn; ulimit -Hn; ulimit -f; ulimit -c"] } } }
            """);
        int port = await daemon.PortOfAsync("files");

        // dash's ulimit -f shows 512-byte blocks: 1 MiB is 2048.
        Assert.Equal("64\n128\n2048\n0\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port)));
    }
}
