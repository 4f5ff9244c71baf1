using System.Net;
using System.Net.Sockets;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Metrics;

/// <summary>
/// A daemon with its metrics endpoint and a bridge of every mode, and the
/// traffic that makes every family of series appear: spawn programs that
/// exit 0, 3 and by SIGKILL; a handoff program started again for each
/// client; a forward bridge relaying to an echo backend, another to a
/// closed port; a bridge that refuses by AllowFrom.
/// </summary>
internal sealed class EveryModeDaemon : IAsyncDisposable
{
    private readonly TempDirectory _directory;
    private readonly Backend _backend;
    private readonly Dictionary<string, int> _ports;

    private EveryModeDaemon(TempDirectory directory, Backend backend, Daemon daemon, MetricsEndpoint metrics, Dictionary<string, int> ports)
    {
        _directory = directory;
        _backend = backend;
        Daemon = daemon;
        Metrics = metrics;
        _ports = ports;
    }

    public Daemon Daemon { get; }

    public MetricsEndpoint Metrics { get; }

    /// <summary>The connections one <see cref="DriveAsync"/> round makes per bridge.</summary>
    public static string[] Bridges { get; } = ["web", "ends", "job", "relay", "dead", "guarded"];

    /// <param name="environment">Variables for the daemon's process (the .NET runtime's settings).</param>
    public static async Task<EveryModeDaemon> StartAsync(IDictionary<string, string>? environment = null)
    {
        var directory = new TempDirectory();
        Backend? backend = null;
        try
        {
            backend = Backend.Tcp(0, Backend.Echo);
            string ends = directory.WriteScript("end.sh", """
                #!/bin/sh
                read how
                case "$how" in
                  three) exit 3 ;;
                  kill) kill -KILL $$ ;;
                esac
                exit 0
                """);
            string once = directory.WriteScript("once.py", """
                #!/usr/bin/python3
                import socket
                conn, _ = socket.socket(fileno=3).accept()
                conn.sendall(b"served\n")
                conn.close()
                """);
            int closed = Ports.Free();
            string config = directory.Write("config.json", $$"""
                { "SocketBridge": { "Metrics": "tcp:127.0.0.1:0" },
                  "Bridges": {
                    "web": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"] },
                    "ends": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["{{ends}}"] },
                    "job": { "Listen": "tcp:127.0.0.1:0", "Mode": "handoff", "User": "root", "Exec": ["{{once}}"] },
                    "relay": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{backend.Port}}" },
                    "dead": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{closed}}" },
                    "guarded": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"], "AllowFrom": ["10.0.0.0/8"] } } }
                """);
            Daemon daemon = await Daemon.StartAsync(["run", "-c", config], directory, ownsDirectory: false, environment);
            try
            {
                var ports = new Dictionary<string, int>();
                foreach (string bridge in Bridges)
                {
                    ports[bridge] = await daemon.PortOfAsync(bridge);
                }

                return new EveryModeDaemon(directory, backend, daemon, await MetricsEndpoint.OfAsync(daemon), ports);
            }
            catch
            {
                await daemon.DisposeAsync();
                throw;
            }
        }
        catch
        {
            if (backend is not null)
            {
                await backend.DisposeAsync();
            }

            directory.Dispose();
            throw;
        }
    }

    public int PortOf(string bridge) => _ports[bridge];

    /// <summary>
    /// <paramref name="rounds"/> rounds of one client per bridge, each
    /// served (or refused) to its end; the spawned programs of round i end
    /// by exit 0, exit 3 and SIGKILL in turn.
    /// </summary>
    public async Task DriveAsync(int rounds)
    {
        string[] ends = ["zero", "three", "kill"];
        for (int round = 0; round < rounds; round++)
        {
            Assert.Equal("hello\n", await Clients.ExchangeAsync(await ConnectAsync("web"), "hello\n"));
            Assert.Equal(string.Empty, await Clients.ExchangeAsync(await ConnectAsync("ends"), ends[round % 3] + "\n"));
            Assert.Equal("served\n", await Clients.ExchangeAsync(await ConnectAsync("job")));
            Assert.Equal("relayed\n", await Clients.ExchangeAsync(await ConnectAsync("relay"), "relayed\n"));
            foreach (string closed in (string[])["dead", "guarded"])
            {
                using Socket client = await ConnectAsync(closed);
                Assert.Equal(0, await Clients.DrainAsync(client, Wait.DefaultTimeout));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Daemon.DisposeAsync();
        await _backend.DisposeAsync();
        _directory.Dispose();
    }

    private Task<Socket> ConnectAsync(string bridge) => Clients.ConnectTcpAsync(IPAddress.Loopback, _ports[bridge]);
}
