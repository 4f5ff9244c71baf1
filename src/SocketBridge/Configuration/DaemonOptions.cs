using Microsoft.Extensions.Logging;
using SocketBridge.Endpoints;

namespace SocketBridge.Configuration;

/// <summary>The <c>SocketBridge</c> section (SPEC 3).</summary>
internal sealed record DaemonOptions
{
    public const string DefaultControlSocket = "/run/socketbridge/control.sock";

    public string ControlSocket { get; init; } = DefaultControlSocket;

    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    /// <summary>Where the Prometheus metrics are served (a tcp: or unix: endpoint, its addresses resolved); null: off, the default.</summary>
    public ListenEndpoint? Metrics { get; init; }
}
