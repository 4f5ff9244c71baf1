using SocketBridge.Configuration;
using SocketBridge.Endpoints;

namespace SocketBridge.Hosting;

/// <summary>
/// What a reload does (SPEC 7), decided from the running configuration and
/// the new one alone, before any socket is touched: a bridge whose settings
/// did not change is left alone; every other bridge of the new configuration
/// starts, and each of its endpoints takes over the sockets of a running
/// endpoint that makes the same sockets (its predecessor's first, then those
/// of any bridge that is replaced or removed), or is bound anew; the bridges
/// replaced or removed retire, and their endpoints that nobody takes over
/// close. So an endpoint unchanged across a reload keeps its sockets and the
/// connections queued on them, whatever else changed. An endpoint whose
/// socket options bound with the socket (ReusePort, FreeBind, BindToDevice,
/// BindIPv6Only) changed is bound anew, beside the old socket: where the
/// kernel would refuse that, the plan says so in <see cref="Conflicts"/>.
/// </summary>
internal sealed record ReloadPlan(
    IReadOnlyList<string> Unchanged,
    IReadOnlyList<PlannedBridge> Started,
    IReadOnlyList<string> Retired,
    int Added,
    int Changed,
    int Removed)
{
    /// <summary>
    /// Why the plan cannot be carried out, one message each: an endpoint made
    /// anew for a changed option would have to bind the address and port its
    /// old socket still listens on, which the kernel allows only when both
    /// have SO_REUSEPORT (or are bound to different interfaces).
    /// </summary>
    public IReadOnlyList<string> Conflicts { get; init; } = [];

    public static ReloadPlan Make(IReadOnlyList<BridgeOptions> running, IReadOnlyList<BridgeOptions> next)
    {
        var current = new Dictionary<string, BridgeOptions>(StringComparer.Ordinal);
        foreach (BridgeOptions bridge in running)
        {
            current[bridge.Name] = bridge;
        }

        var unchanged = new HashSet<string>(StringComparer.Ordinal);
        foreach (BridgeOptions bridge in next)
        {
            if (current.TryGetValue(bridge.Name, out BridgeOptions? same) && same.Fingerprint == bridge.Fingerprint)
            {
                unchanged.Add(bridge.Name);
            }
        }

        // Sockets a starting bridge may take: those of every running bridge that does not stay.
        var taken = new HashSet<(string Bridge, int Index)>();
        var started = new List<PlannedBridge>();
        foreach (BridgeOptions bridge in next)
        {
            if (unchanged.Contains(bridge.Name))
            {
                continue;
            }

            string? predecessor = current.ContainsKey(bridge.Name) ? bridge.Name : null;
            var endpoints = new List<PlannedEndpoint>();
            foreach (ListenEndpoint endpoint in bridge.Listen.Endpoints)
            {
                (string Bridge, int Index)? owner = FindOwner(endpoint, predecessor, running, unchanged, taken);
                if (owner is { } found)
                {
                    taken.Add(found);
                    endpoints.Add(new PlannedEndpoint(endpoint, found.Bridge, found.Index));
                }
                else
                {
                    endpoints.Add(new PlannedEndpoint(endpoint));
                }
            }

            started.Add(new PlannedBridge(bridge, predecessor, endpoints));
        }

        var conflicts = new List<string>();
        foreach (PlannedBridge planned in started)
        {
            foreach (PlannedEndpoint endpoint in planned.Endpoints.Where(e => !e.IsKept))
            {
                if (Rebinding(endpoint.Endpoint, planned.Options, running) is { } conflict)
                {
                    conflicts.Add(conflict);
                }
            }
        }

        var names = new HashSet<string>(next.Select(b => b.Name), StringComparer.Ordinal);
        string[] retired = [.. running.Where(b => !unchanged.Contains(b.Name)).Select(b => b.Name)];
        int changed = started.Count(b => b.Predecessor is not null);
        return new ReloadPlan(
            [.. next.Where(b => unchanged.Contains(b.Name)).Select(b => b.Name)],
            started,
            retired,
            started.Count - changed,
            changed,
            running.Count(b => !names.Contains(b.Name)))
        {
            Conflicts = conflicts,
        };
    }

    /// <summary>
    /// A running endpoint on the very address of <paramref name="endpoint"/>,
    /// with other options bound with its socket, that the new socket could not
    /// be bound beside: the message saying so, or null.
    /// </summary>
    private static string? Rebinding(ListenEndpoint endpoint, BridgeOptions bridge, IReadOnlyList<BridgeOptions> running)
    {
        if (endpoint.HasKernelPort)
        {
            // Its new sockets get ports of their own: nothing can be in their way.
            return null;
        }

        foreach (ListenEndpoint old in running.SelectMany(b => b.Listen.Endpoints))
        {
            if (old.Address != endpoint.Address || CanShare(old.Options, endpoint.Options))
            {
                continue;
            }

            string[] changed = [.. SocketOptionScope.Keys.Where(k => SocketOptionScope.IsBindTime(k) && BoundValue(old.Options, k) != BoundValue(endpoint.Options, k))];
            string key = changed.Length > 0 ? changed[0] : "Listen";
            return $"{bridge.File}: Bridges:{bridge.Name}:{key}: {string.Join(" and ", changed)} changed on {endpoint}, which needs a new socket there "
                + "while the old one still listens, and the kernel lets the two share the address only when both have ReusePort: "
                + "restart socketbridge, or take the endpoint out of Listen in one reload and put it back in the next";
        }

        return null;
    }

    /// <summary>Whether two sockets may listen on one address and port at once (SO_REUSEPORT on both, or bound to different interfaces).</summary>
    private static bool CanShare(SocketOptions first, SocketOptions second) =>
        (first.ReusePort && second.ReusePort)
        || (first.BindToDevice is { } one && second.BindToDevice is { } other && one != other);

    private static string BoundValue(SocketOptions options, string key) => key switch
    {
        "ReusePort" => options.ReusePort.ToString(),
        "FreeBind" => options.FreeBind.ToString(),
        "BindToDevice" => options.BindToDevice ?? string.Empty,
        _ => options.BindIPv6Only.ToString(),
    };

    /// <summary>A running endpoint, not yet taken, that makes the sockets <paramref name="endpoint"/> needs.</summary>
    private static (string Bridge, int Index)? FindOwner(
        ListenEndpoint endpoint,
        string? predecessor,
        IReadOnlyList<BridgeOptions> running,
        HashSet<string> unchanged,
        HashSet<(string Bridge, int Index)> taken)
    {
        // A port the kernel picked belongs to the bridge it was picked for:
        // another bridge's endpoint on port 0 binds a port of its own.
        IEnumerable<BridgeOptions> candidates = running.Where(b => b.Name == predecessor)
            .Concat(running.Where(b => b.Name != predecessor && !unchanged.Contains(b.Name) && !endpoint.HasKernelPort));
        foreach (BridgeOptions bridge in candidates)
        {
            for (int i = 0; i < bridge.Listen.Endpoints.Count; i++)
            {
                if (bridge.Listen.Endpoints[i].Equals(endpoint) && !taken.Contains((bridge.Name, i)))
                {
                    return (bridge.Name, i);
                }
            }
        }

        return null;
    }
}
