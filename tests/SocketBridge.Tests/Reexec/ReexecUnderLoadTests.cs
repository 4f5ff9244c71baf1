using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Reexec;

/// <summary>
/// Issue 17, section 4: twenty re-execs in a row while the daemon relays a
/// large transfer, serves a loop of short connections and holds an
/// interactive program, and none of them notices.
/// </summary>
public sealed class ReexecUnderLoadTests
{
    private const int Reexecs = 20;
    private const long TransferSize = 1L << 30;

    [Fact]
    public async Task Twenty_reexecs_in_a_row_keep_a_1_GiB_transfer_short_connections_and_an_interactive_program_and_leak_nothing()
    {
        using var dir = new TempDirectory();
        using var transfer = new GatedTransfer(TransferSize);
        await using Backend bulkBackend = Backend.Tcp(0, transfer.EchoAndHashAsync);
        await using Backend echoBackend = Backend.Tcp(0, Backend.Echo);
        await using Daemon daemon = await ReexecDriver.StartAsync(dir, dir.Write("config.json", $$"""
            { "Bridges": {
                "bulk": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{bulkBackend.Port}}" },
                "relay": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{echoBackend.Port}}" },
                "short": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"] },
                "session": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"] } } }
            """));
        int pid = daemon.Pid;
        int bulkPort = await daemon.PortOfAsync("bulk");
        int relayPort = await daemon.PortOfAsync("relay");
        int shortPort = await daemon.PortOfAsync("short");
        int sessionPort = await daemon.PortOfAsync("session");

        // The interactive program first, while it is the daemon's only child:
        // its connection id is in its environment.
        using Socket session = await Clients.ConnectTcpAsync(IPAddress.Loopback, sessionPort);
        await Clients.EchoLineAsync(session, "hello before any re-exec");
        (int catPid, char _) = Assert.Single(ProcFs.Children(pid));
        string connectionId = ReexecDriver.ConnectionIdOf(catPid);
        int sessionClientPort = ((IPEndPoint)session.LocalEndPoint!).Port;

        using var stop = new CancellationTokenSource();
        var failures = new ConcurrentQueue<string>();
        var spawnLoop = new ShortConnectionLoop("short", shortPort, failures);
        var forwardLoop = new ShortConnectionLoop("relay", relayPort, failures);
        Task spawnLoopTask = spawnLoop.RunAsync(stop.Token);
        Task forwardLoopTask = forwardLoop.RunAsync(stop.Token);

        using Socket bulk = await Clients.ConnectTcpAsync(IPAddress.Loopback, bulkPort);
        Task bulkSend = transfer.SendAsync(bulk, stop.Token);
        Task<string> bulkReceive = transfer.ReceiveAsync(bulk, stop.Token);

        Dictionary<string, long> counters = ReexecDriver.Counters(await ReexecDriver.StatusAsync(daemon));
        var durations = new List<TimeSpan>();
        string Progress() => $"re-execs so far (every fifth by SIGUSR2): {string.Join(", ", durations.Select(d => $"{d.TotalMilliseconds:0} ms"))}; "
            + $"transfer: sent {transfer.Sent}, received {transfer.Received}; loops: spawn {spawnLoop.Succeeded}, forward {forwardLoop.Succeeded}";
        try
        {
            for (int i = 1; i <= Reexecs; i++)
            {
                long step = TransferSize * i / (Reexecs + 1);
                int spawnDone = spawnLoop.Succeeded, forwardDone = forwardLoop.Succeeded;
                if (i % 2 == 1)
                {
                    // Bytes held in the relay: the client reads no further than
                    // this step, and sends until every buffer on the way is full.
                    transfer.Allow(step);
                    long sentBefore = transfer.Sent, receivedBefore = transfer.Received;
                    try
                    {
                        await Wait.UntilAsync(
                            () => transfer.Received >= step && transfer.SenderBlockedFor(TimeSpan.FromMilliseconds(100)),
                            $"the transfer to stall at {step} bytes with bytes in flight (before re-exec {i}: sent {sentBefore}, received {receivedBefore})",
                            TimeSpan.FromSeconds(30));
                    }
                    catch (TimeoutException timeout)
                    {
                        // Where it stood when the wait gave up, not only when it began.
                        throw new TimeoutException($"{timeout.Message}; at the deadline: sent {transfer.Sent}, received {transfer.Received}, "
                            + $"the client's send blocked for 100 ms: {transfer.SenderBlockedFor(TimeSpan.FromMilliseconds(100))}\n{Progress()}\n"
                            + $"the log's last lines:\n{string.Join('\n', daemon.Logs.TakeLast(30))}", timeout);
                    }
                }
                else
                {
                    // Bytes moving: the client may read on while the daemon re-executes.
                    transfer.Allow(step);
                }

                int ready = ReexecDriver.ReadyCount(daemon);
                int[] threads = ReexecDriver.OtherThreads(pid);
                var clock = Stopwatch.StartNew();
                if (i % 5 == 0)
                {
                    await ReexecDriver.SignalAndWaitAsync(daemon);
                }
                else
                {
                    CliResult result = await ReexecDriver.CommandAsync(daemon);
                    Assert.True(result.ExitCode == 0, $"re-exec {i}: {result}\n{Progress()}\nthe log's last lines:\n{string.Join('\n', daemon.Logs.TakeLast(30))}");
                    Assert.StartsWith("re-executed:", result.Stdout, StringComparison.Ordinal);
                }

                durations.Add(clock.Elapsed);
                Assert.False(daemon.HasExited, $"the daemon exited during re-exec {i}:\n{string.Join('\n', daemon.Logs.TakeLast(30))}");
                await Wait.UntilAsync(() => ReexecDriver.ReadyCount(daemon) == ready + 1, $"READY=1 from image {i + 1} (and no other)");
                Assert.False(ReexecDriver.SameImage(pid, threads), $"re-exec {i} left threads of the image before it: no execve happened");

                var status = await ReexecDriver.StatusAsync(daemon);
                Assert.Equal(pid, status.GetProperty("Pid").GetInt32());
                Dictionary<string, long> now = ReexecDriver.Counters(status);
                Assert.True(ReexecDriver.Decreases(counters, now).Length == 0, $"after re-exec {i} counters went back: {string.Join("; ", ReexecDriver.Decreases(counters, now))}");
                counters = now;

                await Clients.EchoLineAsync(session, $"still here after re-exec {i}");
                Assert.True(failures.IsEmpty, $"failures by re-exec {i}:\n{string.Join('\n', failures.Take(10))}\n{Progress()}");
                Assert.False(bulkSend.IsFaulted || bulkReceive.IsFaulted, $"the transfer failed at re-exec {i}: {bulkSend.Exception?.InnerException ?? bulkReceive.Exception?.InnerException}");

                // The loops go on through the re-exec (at least one more connection each).
                await Wait.UntilAsync(
                    () => spawnLoop.Succeeded > spawnDone && forwardLoop.Succeeded > forwardDone,
                    $"both client loops to complete a connection around re-exec {i} (failures: {string.Join("; ", failures.Take(3))}; {Progress()})");
            }

            transfer.Allow(TransferSize);
            string received = await Wait.ForAsync(bulkReceive, "the rest of the transfer", TimeSpan.FromSeconds(60));
            await bulkSend.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(TransferSize, transfer.Sent);
            Assert.Equal(TransferSize, transfer.Received);
            Assert.Equal(transfer.SentHash, await Wait.ForAsync(transfer.BackendHash, "the backend's checksum"));
            Assert.Equal(transfer.SentHash, received);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(spawnLoopTask, forwardLoopTask).WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.True(failures.IsEmpty, $"{failures.Count} short connection(s) failed:\n{string.Join('\n', failures.Take(10))}");
        Assert.True(spawnLoop.Succeeded >= Reexecs && forwardLoop.Succeeded >= Reexecs, $"the loops made {spawnLoop.Succeeded} spawn and {forwardLoop.Succeeded} forward connections");

        // The bulk connection's entry, by the last image, counts every byte of it.
        await daemon.WaitForLogAsync($"forwarded to tcp:127.0.0.1:{bulkBackend.Port}: {TransferSize} bytes in, {TransferSize} bytes out");

        // The interactive program ends when its client does, logged once with its first id.
        await Clients.EchoLineAsync(session, "goodbye");
        session.Shutdown(SocketShutdown.Send);
        Assert.Equal(string.Empty, await Clients.ReadToEndAsync(session));
        string exit = $"session {connectionId} from 127.0.0.1:{sessionClientPort}: child {catPid} exited with status 0";
        await daemon.WaitForLogAsync(exit);
        await daemon.AssertResourcesReturnToBaselineAsync();
        Assert.Single(daemon.Logs, l => l.Contains($"child {catPid} ", StringComparison.Ordinal) && (l.Contains(" exited ", StringComparison.Ordinal) || l.Contains(" killed ", StringComparison.Ordinal)));

        Assert.Equal(pid, daemon.Pid);
        Assert.False(daemon.HasExited);
        Assert.Equal(Reexecs + 1, ReexecDriver.ReadyCount(daemon));
        // A bound against a re-exec that hangs, not a measurement (bench/reexec.py measures):
        // each re-exec starts the program twice (its check, then the new image), and the
        // framework-dependent build's start-up took up to 11.5 s at load 22.
        Assert.True(durations.Max() < TimeSpan.FromSeconds(30), $"re-execs took {string.Join(", ", durations.Select(d => $"{d.TotalMilliseconds:0} ms"))}");
    }
}
