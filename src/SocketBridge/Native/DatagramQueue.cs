namespace SocketBridge.Native;

/// <summary>
/// What waits in a datagram socket's receive queue, as the kernel tells it
/// without a datagram being taken: the first one's length (null when none
/// waits) and sender address (raw sockaddr bytes, empty for an unbound Unix
/// sender), and the bytes the queue holds (SO_MEMINFO; 0 for a Unix socket,
/// whose queue is charged to its senders; -1 when unknown).
/// </summary>
internal sealed record DatagramQueue(int? FirstLength, byte[] FirstSender, long QueuedBytes)
{
    public bool IsEmpty => FirstLength is null;

    /// <summary>
    /// Whether datagrams that waited here were read by the time
    /// <paramref name="after"/> was taken: the queue emptied, another
    /// datagram now comes first, or it holds fewer bytes. New arrivals can
    /// hide a read only when they look exactly like what was read (same
    /// sender, same length) and outweigh it.
    /// </summary>
    public bool WasReadBy(DatagramQueue after) =>
        !IsEmpty
        && (after.IsEmpty
            || after.FirstLength != FirstLength
            || !after.FirstSender.AsSpan().SequenceEqual(FirstSender)
            || (QueuedBytes >= 0 && after.QueuedBytes >= 0 && after.QueuedBytes < QueuedBytes));
}
