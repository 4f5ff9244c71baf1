using System.Net;
using System.Net.Sockets;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Sandbox;

/// <summary>PrivateTmp: an empty /tmp and /var/tmp per program, seen by no one else, gone when it exits.</summary>
public sealed class PrivateTmpTests
{
    /// <summary>
    /// Leaves a marker in /tmp and /var/tmp, reports what each holds, then
    /// waits for the client to close. Inline: under PrivateTmp a script in
    /// the test's directory (in the host's /tmp) is hidden from the program.
    /// </summary>
    private const string Lister = "touch /tmp/sbt-private-$$ /var/tmp/sbt-private-$$ && echo $$ tmp $(ls -A /tmp) var $(ls -A /var/tmp) && cat >/dev/null";

    [Fact]
    public async Task Two_programs_running_at_once_see_only_their_own_tmp_not_each_others_nor_the_hosts_and_leave_nothing()
    {
        string hostMarker = $"/tmp/sbt-host-marker-{Guid.NewGuid():N}";
        string hostVarMarker = $"/var/tmp/sbt-host-marker-{Guid.NewGuid():N}";
        File.WriteAllText(hostMarker, "host");
        File.WriteAllText(hostVarMarker, "host");
        var pids = new List<string>();
        try
        {
            await using Daemon daemon = await Daemon.StartAsync($$"""
                { "Bridges": {
                    "private": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "PrivateTmp": true, "Exec": ["/bin/sh", "-c", "{{Lister}}"] },
                    "shared": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "Exec": ["/bin/sh", "-c", "ls -A /tmp /var/tmp"] } } }
                """);
            int port = await daemon.PortOfAsync("private");

            using Socket first = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
            string[] firstView = (await Clients.ReadLineAsync(first)).Split(' ');
            using Socket second = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
            string[] secondView = (await Clients.ReadLineAsync(second)).Split(' ');

            // Both are running: each sees its own markers and nothing else, though the other's exist at the same time.
            string firstPid = firstView[0], secondPid = secondView[0];
            pids.AddRange([firstPid, secondPid]);
            Assert.NotEqual(firstPid, secondPid);
            Assert.Equal([firstPid, "tmp", $"sbt-private-{firstPid}", "var", $"sbt-private-{firstPid}"], firstView);
            Assert.Equal([secondPid, "tmp", $"sbt-private-{secondPid}", "var", $"sbt-private-{secondPid}"], secondView);
            Assert.False(File.Exists($"/tmp/sbt-private-{firstPid}") || File.Exists($"/var/tmp/sbt-private-{secondPid}"), "a program's marker is on the host");

            // Without PrivateTmp the same user sees the host's files.
            string hosts = await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, await daemon.PortOfAsync("shared")));
            Assert.Contains(Path.GetFileName(hostMarker), hosts);
            Assert.Contains(Path.GetFileName(hostVarMarker), hosts);

            first.Shutdown(SocketShutdown.Send);
            second.Shutdown(SocketShutdown.Send);
            Assert.Equal(string.Empty, await Clients.ReadToEndAsync(first));
            Assert.Equal(string.Empty, await Clients.ReadToEndAsync(second));
            await daemon.WaitForLogAsync($"child {firstPid} exited with status 0");
            await daemon.WaitForLogAsync($"child {secondPid} exited with status 0");

            foreach (string pid in (string[])[firstPid, secondPid])
            {
                Assert.False(File.Exists($"/tmp/sbt-private-{pid}"), $"/tmp/sbt-private-{pid} is left on the host");
                Assert.False(File.Exists($"/var/tmp/sbt-private-{pid}"), $"/var/tmp/sbt-private-{pid} is left on the host");
            }

            // Nor a mount: the tmpfs lived in the program's mount namespace only.
            Assert.DoesNotContain(File.ReadAllLines($"/proc/{daemon.Pid}/mountinfo"), l => l.Contains(" /tmp ") && l.Contains("tmpfs"));
            await daemon.AssertResourcesReturnToBaselineAsync();
        }
        finally
        {
            File.Delete(hostMarker);
            File.Delete(hostVarMarker);

            // When the test fails because the markers reached the host, they go too.
            foreach (string pid in pids)
            {
                File.Delete($"/tmp/sbt-private-{pid}");
                File.Delete($"/var/tmp/sbt-private-{pid}");
            }
        }
    }
}
