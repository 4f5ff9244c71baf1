using System.Net.Sockets;
using System.Text;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Reexec;

/// <summary>
/// A daemon from before reexec answers the request as an unknown one: the
/// command must say so and that a restart is what is left, not a refusal
/// without a reason (what a package upgrade from such a version prints).
/// </summary>
public sealed class ReexecOlderDaemonTests
{
    [Fact]
    public async Task A_daemon_that_does_not_know_reexec_is_named_as_older_and_the_command_exits_1()
    {
        using var dir = new TempDirectory();
        string path = dir["control.sock"];
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        // As the control socket of version 0.1 answers any request it does not know.
        Task<string> served = Task.Run(async () =>
        {
            using Socket client = await listener.AcceptAsync();
            byte[] buffer = new byte[64];
            int n = await client.ReceiveAsync(buffer);
            await client.SendAsync(Encoding.UTF8.GetBytes("{\"Error\": \"unknown request; send \\\"status\\\" or \\\"reload\\\" and a newline\"}"));
            client.Shutdown(SocketShutdown.Send);
            return Encoding.ASCII.GetString(buffer, 0, n);
        });

        CliResult result = await Fixtures.Cli.RunAsync("reexec", "--control", path);

        Assert.Equal("reexec\n", await served);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("does not know reexec", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("restart it instead", result.Stderr, StringComparison.Ordinal);
    }
}
