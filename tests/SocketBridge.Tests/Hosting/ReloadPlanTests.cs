using System.Net;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;
using SocketBridge.Hosting;

namespace SocketBridge.Tests.Hosting;

/// <summary>
/// What a reload decides before it touches a socket (<see cref="ReloadPlan"/>):
/// which bridges stay, which start, and for each endpoint of a starting
/// bridge whether its sockets are kept or bound anew.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ReloadPlanTests
{
    private static readonly ListenEndpoint A = Tcp("127.0.0.1", 7001);
    private static readonly ListenEndpoint B = Tcp("127.0.0.1", 7002);
    private static readonly ListenEndpoint U = new(new UnixEndpoint("/run/web.sock"));

    [Fact]
    public void A_bridge_whose_settings_did_not_change_stays_as_it_is()
    {
        BridgeOptions web = Bridge("web", "v1", A, U);

        ReloadPlan plan = ReloadPlan.Make([web], [Bridge("web", "v1", A, U)]);

        Assert.Equal(["web"], plan.Unchanged);
        Assert.Empty(plan.Started);
        Assert.Empty(plan.Retired);
        Assert.Equal((0, 0, 0), (plan.Added, plan.Changed, plan.Removed));
    }

    [Fact]
    public void An_endpoint_added_is_bound_a_kept_one_taken_over_and_a_removed_one_left_to_close_with_the_old_bridge()
    {
        ReloadPlan plan = ReloadPlan.Make([Bridge("web", "v1", A, U)], [Bridge("web", "v2", B, A)]);

        PlannedBridge web = Assert.Single(plan.Started);
        Assert.Equal("web", web.Predecessor);
        Assert.Equal([new PlannedEndpoint(B), new PlannedEndpoint(A, "web", 0)], web.Endpoints);
        Assert.Equal(["web"], plan.Retired);
        Assert.Equal((0, 1, 0), (plan.Added, plan.Changed, plan.Removed));
    }

    [Fact]
    public void A_new_bridge_is_added_with_its_endpoints_bound_anew_and_the_others_stay()
    {
        ReloadPlan plan = ReloadPlan.Make([Bridge("web", "v1", A)], [Bridge("web", "v1", A), Bridge("api", "v1", B)]);

        PlannedBridge api = Assert.Single(plan.Started);
        Assert.Equal("api", api.Options.Name);
        Assert.Null(api.Predecessor);
        Assert.Equal([new PlannedEndpoint(B)], api.Endpoints);
        Assert.Equal(["web"], plan.Unchanged);
        Assert.Empty(plan.Retired);
        Assert.Empty(plan.Conflicts);
        Assert.Equal((1, 0, 0), (plan.Added, plan.Changed, plan.Removed));
    }

    [Fact]
    public void A_removed_bridge_retires_and_nothing_starts_in_its_place()
    {
        ReloadPlan plan = ReloadPlan.Make([Bridge("web", "v1", A), Bridge("api", "v1", B)], [Bridge("web", "v1", A)]);

        Assert.Empty(plan.Started);
        Assert.Equal(["api"], plan.Retired);
        Assert.Equal(["web"], plan.Unchanged);
        Assert.Equal((0, 0, 1), (plan.Added, plan.Changed, plan.Removed));
    }

    [Fact]
    public void A_bridge_whose_settings_changed_is_replaced_by_one_that_takes_over_all_its_sockets()
    {
        ReloadPlan plan = ReloadPlan.Make([Bridge("web", "v1", A, U)], [Bridge("web", "v2", A, U)]);

        PlannedBridge web = Assert.Single(plan.Started);
        Assert.Equal("v2", web.Options.Fingerprint.Split('|')[0]);
        Assert.Equal("web", web.Predecessor);
        Assert.Equal([new PlannedEndpoint(A, "web", 0), new PlannedEndpoint(U, "web", 1)], web.Endpoints);
        Assert.Equal(["web"], plan.Retired);
        Assert.Empty(plan.Unchanged);
        Assert.Equal((0, 1, 0), (plan.Added, plan.Changed, plan.Removed));
    }

    [Fact]
    public void An_endpoint_removed_from_a_bridge_is_taken_over_by_nobody_and_closes_with_the_old_bridge()
    {
        ReloadPlan plan = ReloadPlan.Make([Bridge("web", "v1", A, B, U)], [Bridge("web", "v2", U, A)]);

        PlannedBridge web = Assert.Single(plan.Started);
        Assert.Equal([new PlannedEndpoint(U, "web", 2), new PlannedEndpoint(A, "web", 0)], web.Endpoints);
        Assert.DoesNotContain(web.Endpoints, e => e.FromIndex == 1);
        Assert.Equal(["web"], plan.Retired);
    }

    [Fact]
    public void A_renamed_bridge_is_one_added_and_one_removed_and_the_new_name_takes_over_the_sockets()
    {
        ReloadPlan plan = ReloadPlan.Make([Bridge("old", "v1", A, U)], [Bridge("new", "v1", A, U)]);

        PlannedBridge renamed = Assert.Single(plan.Started);
        Assert.Equal("new", renamed.Options.Name);
        Assert.Null(renamed.Predecessor);
        Assert.Equal([new PlannedEndpoint(A, "old", 0), new PlannedEndpoint(U, "old", 1)], renamed.Endpoints);
        Assert.Equal(["old"], plan.Retired);
        Assert.Empty(plan.Unchanged);
        Assert.Equal((1, 0, 1), (plan.Added, plan.Changed, plan.Removed));
    }

    [Fact]
    public void Bridges_staying_and_starting_are_in_the_new_configurations_order_and_those_retiring_in_the_running_order()
    {
        ListenEndpoint p1 = Tcp("127.0.0.1", 7101), p2 = Tcp("127.0.0.1", 7102), p3 = Tcp("127.0.0.1", 7103), p4 = Tcp("127.0.0.1", 7104), p5 = Tcp("127.0.0.1", 7105);

        ReloadPlan plan = ReloadPlan.Make(
            [Bridge("zeta", "v1", p1), Bridge("alpha", "v1", p2), Bridge("mid", "v1", p3), Bridge("beta", "v1", p4)],
            [Bridge("mid", "v2", p3), Bridge("new2", "v1", p5), Bridge("beta", "v1", p4), Bridge("new1", "v1"), Bridge("alpha", "v1", p2)]);

        Assert.Equal(["beta", "alpha"], plan.Unchanged);
        Assert.Equal(["mid", "new2", "new1"], plan.Started.Select(b => b.Options.Name));
        Assert.Equal(["zeta", "mid"], plan.Retired);
        Assert.Equal((2, 1, 1), (plan.Added, plan.Changed, plan.Removed));
    }

    [Fact]
    public void The_same_configurations_make_the_same_plan()
    {
        BridgeOptions[] running = [Bridge("one", "v1", A), Bridge("two", "v1", U)];
        BridgeOptions[] next = [Bridge("two", "v2", U, A), Bridge("three", "v1", B)];

        ReloadPlan first = ReloadPlan.Make(running, next), second = ReloadPlan.Make(running, next);

        Assert.Equal(first.Unchanged, second.Unchanged);
        Assert.Equal(first.Retired, second.Retired);
        Assert.Equal(first.Started.Select(b => (b.Options.Name, b.Predecessor)), second.Started.Select(b => (b.Options.Name, b.Predecessor)));
        Assert.Equal(first.Started.SelectMany(b => b.Endpoints), second.Started.SelectMany(b => b.Endpoints));
        Assert.Equal([new PlannedEndpoint(U, "two", 0), new PlannedEndpoint(A, "one", 0)], first.Started[0].Endpoints);
    }

    [Fact]
    public void An_endpoint_moves_to_another_bridge_when_its_bridge_is_removed()
    {
        ReloadPlan plan = ReloadPlan.Make(
            [Bridge("old", "v1", U, A), Bridge("stay", "v1", B)],
            [Bridge("new", "v1", A), Bridge("stay", "v1", B)]);

        PlannedBridge added = Assert.Single(plan.Started);
        Assert.Null(added.Predecessor);
        Assert.Equal([new PlannedEndpoint(A, "old", 1)], added.Endpoints);
        Assert.Equal(["old"], plan.Retired);
        Assert.Equal(["stay"], plan.Unchanged);
        Assert.Equal((1, 0, 1), (plan.Added, plan.Changed, plan.Removed));
    }

    [Fact]
    public void The_predecessor_keeps_its_endpoint_before_another_bridge_and_each_socket_goes_to_one_bridge()
    {
        ReloadPlan plan = ReloadPlan.Make(
            [Bridge("one", "v1", A), Bridge("two", "v1", A with { })],
            [Bridge("two", "v2", A), Bridge("three", "v1", A)]);

        Assert.Equal([new PlannedEndpoint(A, "two", 0)], plan.Started.Single(b => b.Options.Name == "two").Endpoints);
        Assert.Equal([new PlannedEndpoint(A, "one", 0)], plan.Started.Single(b => b.Options.Name == "three").Endpoints);
    }

    [Fact]
    public void The_sockets_of_a_bridge_that_stays_are_never_taken()
    {
        ReloadPlan plan = ReloadPlan.Make([Bridge("stay", "v1", A)], [Bridge("stay", "v1", A), Bridge("copy", "v1", A)]);

        Assert.Equal([new PlannedEndpoint(A)], Assert.Single(plan.Started).Endpoints);
        Assert.Empty(plan.Retired);
    }

    [Fact]
    public void A_host_name_that_now_resolves_to_other_addresses_is_a_new_endpoint()
    {
        var before = new ListenEndpoint(new TcpEndpoint("web.example", 7001), [new IPEndPoint(IPAddress.Parse("192.0.2.1"), 7001)]);
        var after = new ListenEndpoint(new TcpEndpoint("web.example", 7001), [new IPEndPoint(IPAddress.Parse("192.0.2.2"), 7001)]);
        var same = new ListenEndpoint(new TcpEndpoint("web.example", 7001), [new IPEndPoint(IPAddress.Parse("192.0.2.1"), 7001)]);

        Assert.False(Assert.Single(Assert.Single(ReloadPlan.Make([Bridge("web", "v1", before)], [Bridge("web", "v2", after)]).Started).Endpoints).IsKept);
        Assert.True(Assert.Single(Assert.Single(ReloadPlan.Make([Bridge("web", "v1", before)], [Bridge("web", "v2", same)]).Started).Endpoints).IsKept);
    }

    [Theory]
    [InlineData("*", "127.0.0.1", true)]
    [InlineData("0.0.0.0", "127.0.0.1", true)]
    [InlineData("::", "::1", true)]
    [InlineData("*", "::1", true)]
    [InlineData("::", "0.0.0.0", false)]
    [InlineData("127.0.0.1", "::1", false)]
    [InlineData("127.0.0.1", "127.0.0.2", false)]
    public void Two_tcp_endpoints_on_one_port_overlap_when_one_would_take_the_others_address(string first, string second, bool overlap)
    {
        ListenEndpoint one = Tcp(first, 7001), two = Tcp(second, 7001);

        Assert.Equal(overlap, one.SharedAddress(two) is not null);
        Assert.Equal(overlap, two.SharedAddress(one) is not null);
        Assert.Null(one.SharedAddress(Tcp(second, 7002)));
    }

    [Theory]
    [InlineData("*", "127.0.0.1")]
    [InlineData("0.0.0.0", "127.0.0.1")]
    [InlineData("127.0.0.1", "127.0.0.1")]
    public void Tcp_endpoints_on_port_0_never_overlap_the_kernel_gives_each_socket_a_port_of_its_own(string first, string second)
    {
        ListenEndpoint one = Tcp(first, 0), two = Tcp(second, 0);

        Assert.Null(one.SharedAddress(two));
        Assert.Null(two.SharedAddress(one));
        Assert.True(one.HasKernelPort && two.HasKernelPort);
        Assert.False(Tcp(first, 7001).HasKernelPort);
    }

    [Fact]
    public void An_unchanged_endpoint_on_port_0_keeps_its_socket_and_so_the_port_the_kernel_picked()
    {
        ListenEndpoint zero = Tcp("127.0.0.1", 0);

        ReloadPlan plan = ReloadPlan.Make([Bridge("web", "v1", zero)], [Bridge("web", "v2", zero)]);

        Assert.Equal([new PlannedEndpoint(zero, "web", 0)], Assert.Single(plan.Started).Endpoints);
        Assert.Empty(plan.Conflicts);
    }

    [Fact]
    public void An_endpoint_on_port_0_never_takes_the_socket_of_another_bridge_it_binds_a_port_of_its_own()
    {
        ListenEndpoint zero = Tcp("127.0.0.1", 0);

        // Unlike a fixed port (An_endpoint_moves_to_another_bridge_when_its_bridge_is_removed): the port was picked for "web".
        ReloadPlan plan = ReloadPlan.Make([Bridge("web", "v1", zero)], [Bridge("api", "v1", zero)]);

        Assert.Equal([new PlannedEndpoint(zero)], Assert.Single(plan.Started).Endpoints);
        Assert.Equal(["web"], plan.Retired);
        Assert.Empty(plan.Conflicts);
    }

    /// <summary>A tcp: endpoint as the loader makes it: <c>*</c> is one dual-stack socket on [::].</summary>
    private static ListenEndpoint Tcp(string host, int port) =>
        new(new TcpEndpoint(host, port), [new IPEndPoint(host == "*" ? IPAddress.IPv6Any : IPAddress.Parse(host), port)]);

    private static BridgeOptions Bridge(string name, string settings, params ListenEndpoint[] listen) =>
        new() { Name = name, File = "test.json", Listen = new ListenOptions { Endpoints = listen }, Fingerprint = $"{settings}|{string.Join(' ', listen.Select(e => e.Key))}" };
}
