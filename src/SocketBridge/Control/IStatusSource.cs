namespace SocketBridge.Control;

/// <summary>Where the control socket reads the answer to <c>status</c> from (the daemon's hosting fills it).</summary>
internal interface IStatusSource
{
    DaemonStatus Status();
}
