using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Control;

/// <summary>
/// <c>socketbridge status --watch</c> (a table a second with rates, until
/// Ctrl-C) and the counts <c>status --json</c> carries beside the table's
/// (the same the metrics have).
/// </summary>
public sealed class StatusWatchTests
{
    private const int SigInt = 2;

    private static async Task<JsonElement> BridgeAsync(Daemon daemon, string name)
    {
        CliResult result = await Fixtures.Cli.RunAsync("status", "--json", "--control", daemon.ControlSocket);
        Assert.True(result.ExitCode == 0, result.Stderr);
        return JsonDocument.Parse(result.Stdout).RootElement.GetProperty("Bridges").EnumerateArray()
            .Single(b => b.GetProperty("Name").GetString() == name).Clone();
    }

    [Fact]
    public async Task Status_json_counts_launches_exits_by_outcome_refusals_by_reason_bytes_and_connect_failures()
    {
        using var dir = new TempDirectory();
        string script = dir.Write("exit.sh", "read code; exit \"$code\"\n");
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": {
                "programs": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/sh", "{{script}}"], "AllowFrom": ["127.0.0.1"] },
                "relay": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:1" } } }
            """, dir);
        int programs = await daemon.PortOfAsync("programs");
        int relay = await daemon.PortOfAsync("relay");

        // Three programs: status 0 twice, status 3 once.
        foreach (string code in (string[])["0", "3", "0"])
        {
            using Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, programs);
            await client.SendAsync(Encoding.ASCII.GetBytes(code + "\n"));
            Assert.Equal(string.Empty, await Clients.ReadToEndAsync(client));
        }

        // Refused for access: a client from another loopback address.
        using (var outsider = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            outsider.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
            await outsider.ConnectAsync(IPAddress.Loopback, programs);
            Assert.Equal(string.Empty, await Clients.ReadToEndAsync(outsider));
        }

        // Two connections whose Target refuses.
        for (int i = 0; i < 2; i++)
        {
            using Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, relay);
            Assert.Equal(string.Empty, await Clients.ReadToEndAsync(client));
        }

        JsonElement counts = default;
        await Wait.UntilAsync(
            async () => (counts = (await BridgeAsync(daemon, "programs")).GetProperty("Counts")).GetProperty("Exits").GetProperty("status0").GetInt64() == 2
                && counts.GetProperty("Exits").GetProperty("status_other").GetInt64() == 1
                && counts.GetProperty("Refused").GetProperty("access").GetInt64() == 1,
            "status to count the three exits and the refusal");
        Assert.Equal(3, counts.GetProperty("Accepted").GetInt64());
        Assert.Equal(3, counts.GetProperty("Launched").GetInt64());
        Assert.Equal(0, counts.GetProperty("Exits").GetProperty("signal").GetInt64());
        Assert.Equal(
            ["access", "rate", "per_source", "max", "descriptors"],
            counts.GetProperty("Refused").EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, counts.GetProperty("Refused").EnumerateObject().Sum(p => p.Value.GetInt64()));

        JsonElement relayCounts = default;
        await Wait.UntilAsync(
            async () => (relayCounts = (await BridgeAsync(daemon, "relay")).GetProperty("Counts")).GetProperty("ConnectFailures").GetInt64() == 2,
            "status to count two connect failures");
        Assert.Equal(2, relayCounts.GetProperty("Accepted").GetInt64());
        Assert.Equal(0, relayCounts.GetProperty("BytesIn").GetInt64());
        Assert.Equal(0, relayCounts.GetProperty("Launched").GetInt64());
    }

    [Fact]
    public async Task Status_watch_redraws_with_rates_of_the_traffic_and_ends_cleanly_on_ctrl_c()
    {
        using var dir = new TempDirectory();
        await using Backend backend = Backend.Tcp(0, Backend.Echo);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": {
                "spawned": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"] },
                "relayed": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{backend.Port}}" } } }
            """, dir);
        int spawned = await daemon.PortOfAsync("spawned");
        int relayed = await daemon.PortOfAsync("relayed");

        // SIGINT at its default, as in a terminal: a suite started in the background
        // (make test &) passes it on ignored, and the program would keep it so.
        var start = new ProcessStartInfo("/usr/bin/env") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in (string[])["--default-signal=INT", Binary.Path, "status", "--watch", "--control", daemon.ControlSocket])
        {
            start.ArgumentList.Add(arg);
        }

        using Process watch = Process.Start(start)!;
        var output = new StringBuilder();
        var reading = Task.Run(async () =>
        {
            char[] buffer = new char[4096];
            int read;
            while ((read = await watch.StandardOutput.ReadAsync(buffer)) > 0)
            {
                lock (output)
                {
                    output.Append(buffer, 0, read);
                }
            }
        });
        string Frames()
        {
            lock (output)
            {
                return output.ToString();
            }
        }

        try
        {
            await Wait.UntilAsync(() => Frames().Contains("ACC/S", StringComparison.Ordinal), "the first frame");

            // Traffic while it watches: spawned connections, and 64 KiB echoed through the relay, until a frame shows rates for both.
            byte[] payload = new byte[64 * 1024];
            await Wait.UntilAsync(
                async () =>
                {
                    Assert.Equal("x\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, spawned), "x\n"));
                    using Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, relayed);
                    await client.SendAsync(payload);
                    client.Shutdown(SocketShutdown.Send);
                    Assert.Equal(payload.Length, await Clients.DrainAsync(client, Wait.DefaultTimeout));
                    return Rows(Frames(), "spawned").Any(r => Rate(r[7]) > 0) && Rows(Frames(), "relayed").Any(r => r[9] != "0" && r[9] != "-");
                },
                "a frame with accepted connections per second on the spawn bridge and bytes per second on the relay");

            string frames = Frames();
            Assert.True(frames.Split("every 1 s, Ctrl-C to stop", StringSplitOptions.None).Length - 1 >= 2, frames);
            Assert.Matches("BRIDGE +LISTEN +MODE +STATE +ACTIVE +TOTAL +REFUSED +ACC/S +REF/S +BYTES/S +LAST ERROR", frames);
        }
        finally
        {
            LibC.Kill(watch.Id, SigInt);
            using var deadline = new CancellationTokenSource(Wait.DefaultTimeout);
            await watch.WaitForExitAsync(deadline.Token);
            await reading;
        }

        Assert.Equal(0, watch.ExitCode);
        Assert.Equal(string.Empty, await watch.StandardError.ReadToEndAsync());
    }

    [Fact]
    public async Task Status_watch_refuses_json_with_a_usage_error()
    {
        CliResult result = await Fixtures.Cli.RunAsync("status", "--watch", "--json", "--control", "/nonexistent/control.sock");

        Assert.Equal(64, result.ExitCode);
        Assert.Contains("--json and --watch do not go together", result.Stderr);
    }

    /// <summary>The frames' rows of <paramref name="bridge"/>, split into columns (LAST ERROR is the 11th).</summary>
    private static IEnumerable<string[]> Rows(string frames, string bridge) =>
        frames.Split('\n')
            .Where(l => l.StartsWith(bridge + " ", StringComparison.Ordinal))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries));

    private static double Rate(string cell) => cell == "-" ? 0 : double.Parse(cell, CultureInfo.InvariantCulture);
}
