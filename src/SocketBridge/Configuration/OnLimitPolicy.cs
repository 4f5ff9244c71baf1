namespace SocketBridge.Configuration;

/// <summary>What a bridge does with a new client once MaxConnections are open (the <c>OnLimit</c> key).</summary>
internal enum OnLimitPolicy
{
    /// <summary>Accept it and close it at once, counted and logged as refused (systemd's Accept=yes, xinetd).</summary>
    Refuse,

    /// <summary>
    /// Stop accepting until a connection ends, so the client waits in the
    /// kernel's listen backlog (tcpserver -c, haproxy's maxconn).
    /// </summary>
    Queue,
}
