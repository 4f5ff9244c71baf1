namespace SocketBridge.Endpoints;

/// <summary>How far serving a connection got, which says what a re-exec carries over of it.</summary>
internal enum ConnectionPhase
{
    /// <summary>Accepted, nothing read from it or done for it that a new start could not do again: the next image serves it from the beginning.</summary>
    Fresh,

    /// <summary>Relayed by the relay loops, which hand over its sockets and the bytes in flight.</summary>
    Relaying,

    /// <summary>Served by a launched program, which the next image watches on.</summary>
    Program,

    /// <summary>Served, its end known: this image logs it, the next one never sees it.</summary>
    Ended,

    /// <summary>In a state no image can take over (a copy to a FIFO Target under way): it ends with this image.</summary>
    Bound,
}
