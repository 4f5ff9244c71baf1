using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Spawn;

/// <summary>The clients administrators use: nc and socat.</summary>
public sealed class ClientToolTests
{
    [Fact]
    public async Task Nc_talks_to_a_tcp_bridge_and_gets_the_reply_after_its_half_close()
    {
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "upper": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["tr", "a-z", "A-Z"] } } }
            """);
        int port = await daemon.PortOfAsync("upper");

        var (exit, stdout, stderr) = await Clients.RunProgramAsync("nc", ["-N", "127.0.0.1", port.ToString()], "shout this\nand this\n");

        Assert.True(exit == 0, stderr);
        Assert.Equal("SHOUT THIS\nAND THIS\n", stdout);
    }

    [Fact]
    public async Task Nc_talks_to_a_unix_bridge()
    {
        using var dir = new TempDirectory();
        string path = dir["nc.sock"];
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "ncunix": { "Listen": "unix:{{path}}", "User": "root", "Exec": ["/bin/sh", "-c", "echo uid=$REMOTE_UID; cat"] } } }
            """, dir);

        var (exit, stdout, stderr) = await Clients.RunProgramAsync("nc", ["-N", "-U", path], "ping\n");

        Assert.True(exit == 0, stderr);
        Assert.Equal($"uid={LibC.GetUid()}\nping\n", stdout);
    }

    [Fact]
    public async Task Socat_talks_to_tcp_ipv6_and_abstract_unix_bridges()
    {
        using var dir = new TempDirectory();
        string name = "sbt-socat-" + Guid.NewGuid().ToString("N");
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": {
                "six": { "Listen": "tcp:[::1]:0", "User": "root", "Exec": ["/bin/sh", "-c", "echo $PROTO $REMOTE_ADDR; cat"] },
                "hidden": { "Listen": "unix:@{{name}}", "User": "root", "Exec": ["/bin/sh", "-c", "echo $SOCKET_PATH; cat"] } } }
            """, dir);
        int port = await daemon.PortOfAsync("six");

        var six = await Clients.RunProgramAsync("socat", ["-", $"TCP6:[::1]:{port}"], "over six\n");
        var hidden = await Clients.RunProgramAsync("socat", ["-", $"ABSTRACT-CONNECT:{name}"], "in the abstract\n");

        Assert.Equal("inet6 ::1\nover six\n", six.Stdout);
        Assert.Equal($"@{name}\nin the abstract\n", hidden.Stdout);
    }

    [Fact]
    public async Task A_large_transfer_passes_through_the_program_intact()
    {
        using var dir = new TempDirectory();
        string input = dir["input.bin"];
        var random = new Random(42);
        byte[] data = new byte[8 << 20];
        random.NextBytes(data);
        File.WriteAllBytes(input, data);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "sum": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["sha256sum"] } } }
            """, dir);
        int port = await daemon.PortOfAsync("sum");

        var result = await Clients.RunProgramAsync("/bin/sh", ["-c", $"socat -u OPEN:{input} TCP:127.0.0.1:{port},shut-down; true"]);
        var viaNc = await Clients.RunProgramAsync("/bin/sh", ["-c", $"nc -N 127.0.0.1 {port} < {input}"]);

        string expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data));
        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith(expected, viaNc.Stdout);
    }
}
