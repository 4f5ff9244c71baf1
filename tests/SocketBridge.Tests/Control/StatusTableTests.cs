using SocketBridge.Bridges;
using SocketBridge.Control;
using SocketBridge.Logging;

namespace SocketBridge.Tests.Control;

[Trait("Category", "Unit")]
public sealed class StatusTableTests
{
    [Fact]
    public void Columns_line_up_numbers_align_right_and_a_long_last_error_is_cut_to_one_line()
    {
        var status = new StatusResponse("1.2.3", 42, "2 bridge(s) listening, 3 active connection(s)", ["/etc/a.json"],
        [
            new BridgeStatus("echo", "tcp:127.0.0.1:7", "spawn", "listening", 3, 1200, 5, "first line\nsecond " + new string('x', 200), DateTimeOffset.UnixEpoch),
            new BridgeStatus("old-bridge", "unix:/run/o.sock", "forward", "draining", 0, 7, 0, null, null),
        ]);
        var output = new StringWriter();

        StatusTable.Write(status, output);

        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("socketbridge 1.2.3 (pid 42): 2 bridge(s) listening, 3 active connection(s)", lines[0]);
        Assert.Equal(4, lines.Length);
        int total = lines[1].IndexOf("TOTAL", StringComparison.Ordinal);
        Assert.Equal("1200", lines[2].Substring(total, 5).Trim());
        Assert.Equal("   7", lines[3].Substring(total + 1, 4));
        Assert.Contains("first line second xxx", lines[2]);
        Assert.EndsWith("…", lines[2]);
        Assert.EndsWith("-", lines[3]);
    }

    [Fact]
    public void What_each_log_sink_wrote_and_dropped_follows_the_bridges()
    {
        var status = new StatusResponse("1.2.3", 42, "1 bridge(s) listening, 0 active connection(s)", ["/etc/a.json"],
            [new BridgeStatus("echo", "tcp:127.0.0.1:7", "spawn", "listening", 0, 5, 0, null, null)],
            [new LogSinkStatus("journal", 10, 1234), new LogSinkStatus("console", 1244, 0)]);
        var output = new StringWriter();

        StatusTable.Write(status, output);

        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("BRIDGE", lines[1]);
        Assert.Equal("log: journal 10 written, 1234 dropped; console 1244 written, 0 dropped", lines[^1]);
    }
}
