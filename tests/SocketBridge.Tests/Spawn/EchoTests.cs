using System.Net;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Spawn;

public sealed class EchoTests
{
    [Fact]
    public async Task A_tcp_client_talks_to_a_launched_cat()
    {
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "echo": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["cat"] } } }
            """);
        int port = await daemon.PortOfAsync("echo");

        string reply = await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port), "hello\n");

        Assert.Equal("hello\n", reply);
        await daemon.WaitForLogAsync(l => l.Contains("echo ") && l.Contains("exited with status 0"), "the connection's end");
        await daemon.AssertResourcesReturnToBaselineAsync();
    }
}
