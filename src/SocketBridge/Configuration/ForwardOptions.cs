using System.Net;
using SocketBridge.Endpoints;

namespace SocketBridge.Configuration;

/// <summary>A forward bridge's Target and the timeouts and header of its connections.</summary>
internal sealed record ForwardOptions
{
    public required Endpoint Target { get; init; }

    /// <summary>For a TCP <see cref="Target"/>: the addresses to try in order, resolved at load.</summary>
    public IReadOnlyList<IPEndPoint> TargetAddresses { get; init; } = [];

    /// <summary>How long to wait for Target to accept.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>With an on-demand backend (Exec): stop it after this long without connections; null never.</summary>
    public TimeSpan? ExitIdleTime { get; init; }

    /// <summary>The PROXY protocol header sent to Target before any client byte.</summary>
    public ProxyProtocolVersion ProxyProtocol { get; init; }

    /// <summary>Close a connection after this long with no bytes either way; null never.</summary>
    public TimeSpan? IdleTimeout { get; init; }
}
