using SocketBridge.Endpoints;

namespace SocketBridge.Hosting;

/// <summary>
/// One endpoint of a bridge a reload starts: its sockets taken over from
/// endpoint <see cref="FromIndex"/> of the running bridge <see cref="From"/>,
/// or, when <see cref="From"/> is null, bound anew.
/// </summary>
internal sealed record PlannedEndpoint(ListenEndpoint Endpoint, string? From = null, int FromIndex = -1)
{
    public bool IsKept => From is not null;
}
