namespace SocketBridge.Configuration;

/// <summary>What a bridge does with a connection (SPEC 5).</summary>
public enum BridgeMode
{
    /// <summary>Accept, and launch the program with the connection (inetd nowait).</summary>
    Spawn,

    /// <summary>Launch the program with the listening socket (inetd wait).</summary>
    Handoff,

    /// <summary>Accept, and relay the bytes to Target.</summary>
    Forward,
}
