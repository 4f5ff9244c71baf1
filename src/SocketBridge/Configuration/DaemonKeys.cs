namespace SocketBridge.Configuration;

/// <summary>
/// Every key of the <c>SocketBridge</c> section: the loader accepts these and
/// no other, and the README's table and socketbridge.json(5) are generated
/// from them.
/// </summary>
internal static class DaemonKeys
{
    public static readonly DaemonKey ShutdownTimeout = new("ShutdownTimeout", new KeyDocumentation("duration",
        "`\"00:00:10\"`",
        "after SIGTERM, how long launched programs get to exit before they are killed (a [duration](#durations))"));

    public static readonly DaemonKey LogLevel = new("LogLevel", new KeyDocumentation("string",
        "`\"Information\"`",
        "`Trace`, `Debug`, `Information`, `Warning`, `Error`, `Critical` or `None`"));

    public static readonly DaemonKey ControlSocket = new("ControlSocket", new KeyDocumentation("string (absolute path)",
        $"`\"{DaemonOptions.DefaultControlSocket}\"`",
        "absolute path of the [control socket](#status-and-the-control-socket) for `status`, `reload` and `reexec`"));

    public static readonly DaemonKey Metrics = new("Metrics", new KeyDocumentation("endpoint",
        "off",
        "where the daemon serves its [metrics](#metrics) in Prometheus's text format (`GET /metrics` over HTTP): a `tcp:HOST:PORT` or `unix:/path` endpoint of its own, such as `\"tcp:127.0.0.1:9464\"` or `\"unix:/run/socketbridge/metrics.sock\"`; bound at start (a reload that changes it warns, and the endpoint in use goes on serving until the next restart or re-exec)"));

    /// <summary>Every key, in the order the documentation lists them.</summary>
    public static readonly IReadOnlyList<DaemonKey> All = [ShutdownTimeout, LogLevel, ControlSocket, Metrics];

    /// <summary>The keys' names, in the order of <see cref="All"/>.</summary>
    public static readonly IReadOnlyList<string> Names = [.. All.Select(k => k.Name)];
}
