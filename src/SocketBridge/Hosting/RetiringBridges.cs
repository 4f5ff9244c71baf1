using SocketBridge.Bridges;

namespace SocketBridge.Hosting;

/// <summary>
/// The bridges a reload replaced or removed (SPEC 7), from the moment they
/// stop accepting until their last connection is done: <c>socketbridge
/// status</c> counts their connections, and a daemon stopping meanwhile
/// stops them with the others.
/// </summary>
internal sealed class RetiringBridges
{
    private readonly List<Bridge> _bridges = [];

    /// <summary>
    /// Stops <paramref name="bridge"/> accepting at once (its sockets that no
    /// bridge took over close), lets its connections finish, and forgets it
    /// once they have.
    /// </summary>
    public void Retire(Bridge bridge)
    {
        bridge.StopAcceptingForReload();
        lock (_bridges)
        {
            _bridges.Add(bridge);
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await bridge.RetireAsync().ConfigureAwait(false);
            }
            finally
            {
                lock (_bridges)
                {
                    _bridges.Remove(bridge);
                }
            }
        });
    }

    /// <summary>Those still retiring, in the order they were retired.</summary>
    public Bridge[] Snapshot()
    {
        lock (_bridges)
        {
            return [.. _bridges];
        }
    }
}
