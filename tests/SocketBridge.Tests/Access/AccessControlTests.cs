using System.Net;
using System.Net.Sockets;
using SocketBridge.Configuration;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Access;

/// <summary>AllowFrom, DenyFrom, AllowUsers, AllowGroups: refused clients closed at once while others are served.</summary>
public sealed class AccessControlTests
{
    [Fact]
    public async Task Denied_and_unlisted_addresses_are_refused_while_an_allowed_client_is_served_at_the_same_moment()
    {
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "guarded": { "Listen": "tcp:*:0", "AllowFrom": ["127.0.0.0/8"], "DenyFrom": ["127.0.0.2"],
                "User": "root", "Exec": ["/bin/sh", "-c", "echo welcome $REMOTE_ADDR; exec cat"] } } }
            """);
        int port = await daemon.PortOfAsync("guarded");

        using Socket allowed = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        Assert.Equal("welcome 127.0.0.1", await Clients.ReadLineAsync(allowed));

        using var denied = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        denied.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
        await denied.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        Assert.Equal(string.Empty, await Clients.ReadToEndAsync(denied));

        using Socket unlisted = await Clients.ConnectTcpAsync(IPAddress.IPv6Loopback, port);
        Assert.Equal(string.Empty, await Clients.ReadToEndAsync(unlisted));

        // The allowed connection was served all along.
        await allowed.SendAsync("still here\n"u8.ToArray());
        Assert.Equal("still here", await Clients.ReadLineAsync(allowed));
        await daemon.WaitForLogAsync("guarded: refused connection from 127.0.0.2:");
        Assert.Contains(daemon.Logs, l => l.Contains("denied by DenyFrom 127.0.0.2/32") || l.Contains("more refused since the last entry"));
        Assert.DoesNotContain(daemon.Logs, l => l.Contains("guarded ") && l.Contains("from 127.0.0.2") && l.Contains("child"));
    }

    [Fact]
    public async Task AllowUsers_serves_a_listed_uid_and_refuses_another_on_a_unix_socket()
    {
        using var dir = new TempDirectory();
        File.SetUnixFileMode(dir.Path, (UnixFileMode)Convert.ToInt32("755", 8));
        string path = dir["guarded.sock"];
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "users": { "Listen": "unix:{{path}}", "SocketMode": "0666", "AllowUsers": ["root"],
                "User": "root", "Exec": ["/bin/sh", "-c", "echo hello uid $REMOTE_UID"] } } }
            """, dir);

        string asNobody = $"import os, socket\nos.setgid(65534); os.setuid(65534)\ns = socket.socket(socket.AF_UNIX)\ns.connect('{path}')\nprint(repr(s.recv(100)))";
        var nobody = await Clients.RunProgramAsync(ChildScripts.Python, ["-c", asNobody]);
        string root = await Clients.ExchangeAsync(await Clients.ConnectUnixAsync(path));

        Assert.Equal("b''\n", nobody.Stdout);
        Assert.Equal("hello uid 0\n", root);
        await daemon.WaitForLogAsync("users: refused connection from uid 65534");
    }

    [Theory]
    [InlineData("\"Listen\": \"unix:/tmp/sbt-x.sock\", \"User\": \"root\", \"Exec\": [\"/bin/cat\"], \"AllowFrom\": [\"10.0.0.0/8\"]", "Bridges:a:AllowFrom: applies to TCP clients, not to unix:/tmp/sbt-x.sock (use AllowUsers or AllowGroups for Unix sockets)")]
    [InlineData("\"Listen\": \"tcp:127.0.0.1:7001\", \"User\": \"root\", \"Exec\": [\"/bin/cat\"], \"AllowUsers\": [\"root\"]", "Bridges:a:AllowUsers: applies to Unix-socket clients, not to tcp:127.0.0.1:7001 (use AllowFrom or DenyFrom for TCP)")]
    [InlineData("\"Listen\": \"tcp:127.0.0.1:7001\", \"Mode\": \"handoff\", \"User\": \"root\", \"Exec\": [\"/bin/cat\"], \"DenyFrom\": [\"10.0.0.0/8\"]", "Bridges:a:DenyFrom: does not apply to handoff mode: the program accepts the connections, not socketbridge")]
    [InlineData("\"Listen\": \"tcp:127.0.0.1:7001\", \"User\": \"root\", \"Exec\": [\"/bin/cat\"], \"DenyFrom\": [\"10.0.0.1/8\"]", "Bridges:a:DenyFrom: \"10.0.0.1/8\" has host bits set (did you mean 10.0.0.0/8?)")]
    [InlineData("\"Listen\": \"unix:/tmp/sbt-x.sock\", \"User\": \"root\", \"Exec\": [\"/bin/cat\"], \"AllowGroups\": [\"nosuchgroup\"]", "Bridges:a:AllowGroups: there is no group \"nosuchgroup\"")]
    public void Access_keys_are_checked_against_the_endpoint_and_mode(string keys, string expected)
    {
        var ex = Assert.Throws<ConfigurationException>(() => new ConfigurationLoader().LoadText("test.json", $$"""
            { "Bridges": { "a": { {{keys}} } } }
            """));

        Assert.Equal($"test.json: {expected}", Assert.Single(ex.Errors).ToString());
    }
}
