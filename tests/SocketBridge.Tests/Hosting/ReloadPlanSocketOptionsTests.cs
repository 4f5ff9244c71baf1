using System.Net;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;
using SocketBridge.Hosting;

namespace SocketBridge.Tests.Hosting;

/// <summary>
/// Socket options in a reload's plan: those bound with the socket are part
/// of an endpoint's identity (a change binds it anew, and where the old socket
/// would keep the new one from binding the plan says why); the others leave
/// the socket kept.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ReloadPlanSocketOptionsTests
{
    private static readonly SocketOptions Marked = new() { Mark = 1, DeferAcceptSeconds = 5 };

    [Fact]
    public void A_changed_mark_or_defer_accept_keeps_the_socket()
    {
        ReloadPlan plan = ReloadPlan.Make([Bridge("web", Tcp(SocketOptions.None))], [Bridge("web", Tcp(Marked))]);

        Assert.True(Assert.Single(Assert.Single(plan.Started).Endpoints).IsKept);
        Assert.Empty(plan.Conflicts);
    }

    [Theory]
    [InlineData("FreeBind")]
    [InlineData("BindToDevice")]
    [InlineData("BindIPv6Only")]
    [InlineData("ReusePort")]
    public void A_changed_option_bound_with_the_socket_binds_it_anew_which_the_plan_refuses_without_ReusePort_on_both(string key)
    {
        SocketOptions changed = key switch
        {
            "FreeBind" => new() { FreeBind = true },
            "BindToDevice" => new() { BindToDevice = "lo" },
            "BindIPv6Only" => new() { BindIPv6Only = BindIPv6Only.Both },
            _ => new() { ReusePort = true },
        };

        ReloadPlan plan = ReloadPlan.Make([Bridge("web", Tcp(SocketOptions.None))], [Bridge("web", Tcp(changed))]);

        Assert.False(Assert.Single(Assert.Single(plan.Started).Endpoints).IsKept);
        Assert.StartsWith($"test.json: Bridges:web:{key}: {key} changed on tcp:[::]:7001, which needs a new socket there", Assert.Single(plan.Conflicts), StringComparison.Ordinal);
    }

    [Fact]
    public void With_ReusePort_on_both_sides_the_new_socket_binds_beside_the_old_one()
    {
        ReloadPlan plan = ReloadPlan.Make(
            [Bridge("web", Tcp(new SocketOptions { ReusePort = true }))],
            [Bridge("web", Tcp(new SocketOptions { ReusePort = true, FreeBind = true }))]);

        Assert.False(Assert.Single(Assert.Single(plan.Started).Endpoints).IsKept);
        Assert.Empty(plan.Conflicts);
    }

    [Fact]
    public void A_unix_endpoint_keeps_its_socket_when_an_IP_option_of_its_bridge_changes()
    {
        ListenEndpoint Unix(SocketOptions options) => new ListenEndpoint(new UnixEndpoint("/run/web.sock")).With(options);

        ReloadPlan plan = ReloadPlan.Make(
            [Bridge("web", Tcp(SocketOptions.None), Unix(SocketOptions.None))],
            [Bridge("web", Tcp(new SocketOptions { ReusePort = true }), Unix(new SocketOptions { ReusePort = true }))]);

        Assert.Equal([false, true], Assert.Single(plan.Started).Endpoints.Select(e => e.IsKept));
    }

    [Fact]
    public void An_endpoint_on_port_0_whose_bind_time_option_changed_is_bound_anew_without_a_conflict()
    {
        // Its new socket gets a port of its own, so nothing stands in its way.
        ListenEndpoint Zero(SocketOptions options) =>
            new ListenEndpoint(new TcpEndpoint("::", 0), [new IPEndPoint(IPAddress.IPv6Any, 0)]).With(options);

        ReloadPlan plan = ReloadPlan.Make([Bridge("web", Zero(SocketOptions.None))], [Bridge("web", Zero(new SocketOptions { FreeBind = true }))]);

        Assert.False(Assert.Single(Assert.Single(plan.Started).Endpoints).IsKept);
        Assert.Empty(plan.Conflicts);
    }

    /// <summary>tcp:[::]:7001 with the part of <paramref name="options"/> that applies to it, as the loader makes it.</summary>
    private static ListenEndpoint Tcp(SocketOptions options) =>
        new ListenEndpoint(new TcpEndpoint("::", 7001), [new IPEndPoint(IPAddress.IPv6Any, 7001)]).With(options);

    private static BridgeOptions Bridge(string name, params ListenEndpoint[] listen) =>
        new() { Name = name, File = "test.json", Listen = new ListenOptions { Endpoints = listen }, Fingerprint = string.Join(' ', listen.Select(e => $"{e.Key}|{e.Options}")) };
}
