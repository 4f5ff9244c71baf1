using Microsoft.Extensions.Logging.Abstractions;
using SocketBridge.Bridges;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;
using SocketBridge.Hosting;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Hosting;

/// <summary>
/// What <c>socketbridge status</c> and STATUS= say about running and
/// retiring bridges (<see cref="StatusPublisher"/>), from bridges that
/// listen on nothing: the rows and the summary only read their counters.
/// </summary>
[Trait("Category", "Unit")]
public sealed class StatusPublisherTests : IDisposable
{
    private readonly ConnectionIdGenerator _ids = new();
    private readonly List<Bridge> _made = [];

    public void Dispose()
    {
        foreach (Bridge bridge in _made)
        {
            bridge.Dispose();
        }
    }

    [Fact]
    public void A_running_bridge_is_listening_and_counts_the_connections_still_open_on_the_bridge_it_replaced()
    {
        Bridge web = Make("web", active: 2), replaced = Make("web", active: 3);

        BridgeStatus row = Assert.Single(StatusPublisher.Rows([web], [replaced]));

        Assert.Equal(("web", "listening", 5), (row.Name, row.State, row.Active));
    }

    [Fact]
    public void A_retiring_bridge_whose_name_no_longer_runs_is_a_draining_row_after_the_running_ones()
    {
        Bridge web = Make("web", active: 1), gone = Make("gone", active: 4);

        List<BridgeStatus> rows = StatusPublisher.Rows([web], [gone]);

        Assert.Equal([("web", "listening", 1), ("gone", "draining", 4)], rows.Select(r => (r.Name, r.State, r.Active)));
    }

    [Fact]
    public void Two_retiring_bridges_of_one_removed_name_make_one_draining_row()
    {
        List<BridgeStatus> rows = StatusPublisher.Rows([], [Make("gone", active: 1), Make("gone", active: 2)]);

        // Active counts the first one's connections only, as it did before Hosting/ was split out;
        // whether it should add the second's is a question of its own, so it is not pinned here.
        BridgeStatus row = Assert.Single(rows);
        Assert.Equal(("gone", "draining"), (row.Name, row.State));
    }

    [Fact]
    public void The_summary_counts_the_running_bridges_and_every_rows_connections()
    {
        List<BridgeStatus> rows = StatusPublisher.Rows([Make("web", active: 2), Make("api", active: 0)], [Make("gone", active: 3)]);

        Assert.Equal("2 bridge(s) listening, 5 active connection(s)", StatusPublisher.Summary(2, rows));
        Assert.Equal("0 bridge(s) listening, 0 active connection(s)", StatusPublisher.Summary(0, []));
    }

    private Bridge Make(string name, int active)
    {
        var counters = new BridgeCounters(Tallies.For(name));
        for (int i = 0; i < active; i++)
        {
            Assert.True(counters.TryAdmit(int.MaxValue));
        }

        var options = new BridgeOptions { Name = name, File = "test.json", Listen = new ListenOptions { Endpoints = [] } };
        var bridge = new Bridge(options, [], new IdleMode(), counters, _ids, NullLogger.Instance, new SocketBridge.Handover.HandoverGate());
        _made.Add(bridge);
        return bridge;
    }

    /// <summary>A mode that is never started here.</summary>
    private sealed class IdleMode : IBridgeMode
    {
        public Task RunAsync(IListener listener, BridgeContext context) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
