using System.Net;
using System.Net.Sockets;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Reexec;

/// <summary>
/// Issue 18 with issue 17: a program's RuntimeMax crosses a re-exec. The
/// deadline and what was already sent go with the program, so the next
/// image finishes the sequence (SIGKILL after ShutdownTimeout) rather than
/// starting it over or forgetting it.
/// </summary>
public sealed class ReexecRuntimeMaxTests
{
    [Fact]
    public async Task A_program_sent_SIGTERM_for_RuntimeMax_before_a_reexec_gets_SIGKILL_from_the_next_image_and_no_second_SIGTERM()
    {
        using var dir = new TempDirectory();
        // The program says when it gets SIGTERM (its sleep dies with it, the
        // shell goes on): the test waits on that, not on a clock.
        await using Daemon daemon = await ReexecDriver.StartAsync(dir, dir.Write("config.json", """
            { "SocketBridge": { "ShutdownTimeout": "3s" },
              "Bridges": { "stubborn": { "Listen": "tcp:127.0.0.1:0", "User": "root", "RuntimeMax": "1s",
                "Exec": ["/bin/sh", "-c", "trap 'echo got-term' TERM; echo up; while :; do sleep 0.2; done"] } } }
            """));
        int port = await daemon.PortOfAsync("stubborn");
        using Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        Assert.Equal("up", await Clients.ReadLineAsync(client));
        Assert.Equal("got-term", await Clients.ReadLineAsync(client, TimeSpan.FromSeconds(15)));

        await ReexecDriver.SignalAndWaitAsync(daemon);
        Assert.Contains(ReexecDriver.ReexecLines(daemon), ReexecDriver.IsSuccess);

        // The next image sends SIGKILL at the deadline plus ShutdownTimeout; nothing more reaches the client.
        Assert.Equal(string.Empty, await Clients.ReadToEndAsync(client, TimeSpan.FromSeconds(20)));
        string entry = await daemon.WaitForLogAsync("reached RuntimeMax and was sent SIGKILL; it was killed by SIGKILL");
        Assert.Contains("stubborn", entry, StringComparison.Ordinal);
        Assert.DoesNotContain(daemon.Logs, l => l.Contains("stubborn", StringComparison.Ordinal) && l.Contains("exited with status", StringComparison.Ordinal));
        await daemon.AssertResourcesReturnToBaselineAsync();
    }
}
