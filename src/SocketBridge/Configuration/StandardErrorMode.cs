namespace SocketBridge.Configuration;

/// <summary>Where a launched program's stderr goes (the <c>StandardError</c> key).</summary>
internal enum StandardErrorMode
{
    /// <summary>Logged line by line with the connection's fields.</summary>
    Journal,

    /// <summary>The connection socket, like stdout.</summary>
    Socket,

    /// <summary>/dev/null.</summary>
    Null,
}
