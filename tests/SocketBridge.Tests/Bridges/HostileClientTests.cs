using System.Net;
using System.Net.Sockets;
using System.Text;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Bridges;

/// <summary>
/// SPEC 8: no client, however hostile, stops the daemon from serving others;
/// and when the hostile clients are gone, the daemon holds exactly the
/// descriptors and children it had before them.
/// </summary>
public sealed class HostileClientTests
{
    private const int Silent = 200;
    private const int NonReaders = 200;

    [Fact]
    public async Task Silent_clients_and_clients_that_never_read_a_flood_do_not_stop_a_well_behaved_client_of_a_forward_bridge_and_IdleTimeout_closes_them()
    {
        long flooded = 0;
        // The backend answers "NAME" with "hi NAME"; to "flood" it writes until the relay takes no more.
        await using Backend backend = Backend.Tcp(0, async socket =>
        {
            string line = await Clients.ReadLineAsync(socket, TimeSpan.FromMinutes(3));
            if (line == "flood")
            {
                byte[] chunk = new byte[65536];
                while (true)
                {
                    Interlocked.Add(ref flooded, await socket.SendAsync(chunk, SocketFlags.None));
                }
            }

            if (line.Length > 0)
            {
                await socket.SendAsync(Encoding.ASCII.GetBytes($"hi {line}\n"), SocketFlags.None);
            }
        });
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "relay": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{backend.Port}}",
                "MaxConnections": 1000, "IdleTimeout": "20s", "ConnectTimeout": "30s" } } }
            """);
        int port = await daemon.PortOfAsync("relay");

        List<Socket> hostile = await ConnectHostileClientsAsync(port);
        try
        {
            await Wait.UntilAsync(() => backend.Accepted == Silent + NonReaders, "the backend to have every hostile client's connection", TimeSpan.FromSeconds(60));
            Assert.True(ResourceCounts.Of(daemon.Pid).Descriptors > daemon.Baseline!.Descriptors + Silent + NonReaders, "the daemon holds the hostile connections");

            // Until every buffer on the way is full, the floods are bulk transfer; then they stall, which is the hostile part.
            long sent = -1;
            var unchangedSince = System.Diagnostics.Stopwatch.StartNew();
            await Wait.UntilAsync(
                () =>
                {
                    long now = Interlocked.Read(ref flooded);
                    if (now != sent)
                    {
                        sent = now;
                        unchangedSince.Restart();
                    }

                    return sent > 0 && unchangedSince.Elapsed > TimeSpan.FromSeconds(1);
                },
                "the floods to stall on the clients that never read",
                TimeSpan.FromSeconds(90));

            Assert.Equal("hi good", await WellBehavedAsync(daemon, port));

            // No byte either way for IdleTimeout: the silent ones, and the stalled floods, are closed.
            await Wait.UntilAsync(() => daemon.Logs.Count(l => l.Contains("closed after IdleTimeout (00:00:20)")) == Silent + NonReaders, "an IdleTimeout entry for each hostile client", TimeSpan.FromSeconds(60));
            long[] drained = await Task.WhenAll(hostile.Select(c => Clients.DrainAsync(c, TimeSpan.FromSeconds(30))));
            Assert.All(drained.Take(Silent), n => Assert.Equal(0, n));
            Assert.All(drained.Skip(Silent), n => Assert.True(n > 0, "a non-reader's connection had flooded before it stalled"));
        }
        finally
        {
            hostile.ForEach(c => c.Dispose());
        }

        await daemon.AssertResourcesReturnToBaselineAsync();
    }

    [Fact]
    public async Task Silent_clients_and_clients_that_never_read_a_flood_do_not_stop_a_well_behaved_client_of_a_spawn_bridge()
    {
        // One program a connection: it answers "NAME" with "hi NAME", and to "flood" it runs yes.
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "greeter": { "Listen": "tcp:127.0.0.1:0", "MaxConnections": 1000,
                "User": "root", "Exec": ["/bin/sh", "-c", "read -r line; case \"$line\" in flood) exec yes;; *) echo \"hi $line\";; esac"] } } }
            """);
        int port = await daemon.PortOfAsync("greeter");

        List<Socket> hostile = await ConnectHostileClientsAsync(port);
        try
        {
            await Wait.UntilAsync(() => ProcFs.Children(daemon.Pid).Count == Silent + NonReaders, "a program for every hostile client", TimeSpan.FromSeconds(90));

            Assert.Equal("hi good", await WellBehavedAsync(daemon, port));
            await daemon.WaitForLogAsync(l => l.Contains("greeter ") && l.Contains("exited with status 0"), "the well-behaved client's end");
            Assert.Equal(Silent + NonReaders, ProcFs.Children(daemon.Pid).Count);
        }
        finally
        {
            // A silent client's close is EOF to its program's read; a non-reader's close is EPIPE to yes.
            hostile.ForEach(c => c.Dispose());
        }

        await daemon.AssertResourcesReturnToBaselineAsync(TimeSpan.FromSeconds(60));
        Assert.DoesNotContain(ProcFs.Children(daemon.Pid), c => c.State == 'Z');
    }

    /// <summary>Silent clients first (connected, nothing sent), then non-readers (asked for a flood, never read).</summary>
    private static async Task<List<Socket>> ConnectHostileClientsAsync(int port)
    {
        var clients = new List<Socket>();
        try
        {
            clients.AddRange(await Task.WhenAll(Enumerable.Range(0, Silent).Select(_ => Clients.ConnectTcpAsync(IPAddress.Loopback, port))));
            Socket[] nonReaders = await Task.WhenAll(Enumerable.Range(0, NonReaders).Select(_ => Clients.ConnectTcpAsync(IPAddress.Loopback, port)));
            clients.AddRange(nonReaders);
            await Task.WhenAll(nonReaders.Select(c => c.SendAsync("flood\n"u8.ToArray(), SocketFlags.None)));
            return clients;
        }
        catch
        {
            clients.ForEach(c => c.Dispose());
            throw;
        }
    }

    /// <summary>The well-behaved client's answer; when it fails, what the daemon logged about refusals and failures.</summary>
    private static async Task<string> WellBehavedAsync(Daemon daemon, int port)
    {
        try
        {
            return await Wait.ForAsync(ExchangeLineAsync(port, "good"), "the well-behaved client's answer");
        }
        catch (Exception ex) when (ex is SocketException or TimeoutException or OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"the well-behaved client was not served: {ex.Message}\ndaemon warnings and errors:\n{string.Join('\n', daemon.Logs.Where(l => !l.Contains(" INF ", StringComparison.Ordinal)).TakeLast(20))}");
        }
    }

    private static async Task<string> ExchangeLineAsync(int port, string name)
    {
        using Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        await client.SendAsync(Encoding.ASCII.GetBytes($"{name}\n"), SocketFlags.None);
        return await Clients.ReadLineAsync(client);
    }
}
