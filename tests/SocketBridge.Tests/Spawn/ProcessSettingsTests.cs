using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Spawn;

/// <summary>User, Group, WorkingDirectory and StandardError (SPEC 3, 5).</summary>
public sealed class ProcessSettingsTests
{
    [Fact]
    public async Task User_Group_and_WorkingDirectory_apply_to_the_program()
    {
        using var dir = new TempDirectory();
        File.SetUnixFileMode(dir.Path, (UnixFileMode)Convert.ToInt32("755", 8)); // so nobody can run the script
        string reporter = ChildScripts.Reporter(dir);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "dropped": { "Listen": "tcp:127.0.0.1:0", "Exec": ["{{reporter}}"],
                "User": "nobody", "Group": "nogroup", "WorkingDirectory": "/tmp" } } }
            """, dir);
        int port = await daemon.PortOfAsync("dropped");

        using Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        JsonElement info = ChildScripts.Parse(await Clients.ReadLineAsync(client));

        Assert.Equal(65534, info.GetProperty("uid").GetInt32());
        Assert.Equal(65534, info.GetProperty("gid").GetInt32());
        Assert.Equal([65534], info.GetProperty("groups").EnumerateArray().Select(g => g.GetInt32()));
        Assert.Equal("/tmp", info.GetProperty("cwd").GetString());
    }

    [Fact]
    public async Task The_default_working_directory_is_the_root()
    {
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "pwd": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/pwd"] } } }
            """);
        int port = await daemon.PortOfAsync("pwd");

        Assert.Equal("/\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port)));
    }

    [Fact]
    public async Task StandardError_journal_logs_each_line_with_the_connection_and_child()
    {
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "noisy": { "Listen": "tcp:127.0.0.1:0",
                "User": "root", "Exec": ["/bin/sh", "-c", "echo first complaint >&2; printf 'bad \\001\\377 bytes\\n' >&2; echo $$ $SOCKETBRIDGE_CONNECTION_ID"] } } }
            """);
        int port = await daemon.PortOfAsync("noisy");

        string[] reply = (await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port))).Trim().Split(' ');
        string pid = reply[0], id = reply[1];

        await daemon.WaitForLogAsync($"noisy {id} child {pid}: first complaint");
        await daemon.WaitForLogAsync($"noisy {id} child {pid}: bad \uFFFD\uFFFD bytes");
        await daemon.WaitForLogAsync(l => l.Contains($"noisy {id} from") && l.Contains("exited with status 0"), "the connection's end");
        string[] logs = daemon.Logs;
        int complaint = Array.FindIndex(logs, l => l.Contains("first complaint"));
        int end = Array.FindIndex(logs, l => l.Contains($"noisy {id} from") && l.Contains("exited with status 0"));
        Assert.True(end > complaint, "the connection's end is logged after its stderr lines");
    }

    [Fact]
    public async Task A_very_long_stderr_line_is_split_into_bounded_entries()
    {
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "long": { "Listen": "tcp:127.0.0.1:0",
                "User": "root", "Exec": ["/bin/sh", "-c", "head -c 10000 /dev/zero | tr '\\0' x >&2; echo done"] } } }
            """);
        int port = await daemon.PortOfAsync("long");

        Assert.Equal("done\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port)));
        await daemon.WaitForLogAsync(l => l.Contains("long ") && l.Contains("exited"), "the end");
        int[] pieces = daemon.Logs.Where(l => l.Contains(": xxx")).Select(l => l[(l.LastIndexOf(": ", StringComparison.Ordinal) + 2)..].Length).ToArray();
        Assert.Equal([4096, 4096, 1808], pieces);
    }

    [Fact]
    public async Task StandardError_socket_sends_stderr_to_the_client_and_null_discards_it()
    {
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": {
                "tosocket": { "Listen": "tcp:127.0.0.1:0", "StandardError": "socket", "User": "root", "Exec": ["/bin/sh", "-c", "echo out; echo err >&2"] },
                "tonull": { "Listen": "tcp:127.0.0.1:0", "StandardError": "null", "User": "root", "Exec": ["/bin/sh", "-c", "echo out; echo hidden-err >&2; readlink /proc/self/fd/2"] } } }
            """);
        int socketPort = await daemon.PortOfAsync("tosocket");
        int nullPort = await daemon.PortOfAsync("tonull");

        Assert.Equal("out\nerr\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, socketPort)));
        Assert.Equal("out\n/dev/null\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, nullPort)));
        await daemon.WaitForLogAsync(l => l.Contains("tonull ") && l.Contains("exited"), "the end");
        Assert.DoesNotContain(daemon.Logs, l => l.Contains("hidden-err"));
    }
}
