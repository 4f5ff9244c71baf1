using SocketBridge.Native;

namespace SocketBridge.Forwarding;

/// <summary>
/// Something a <see cref="RelayLoop"/> watches: a relayed connection, or a
/// socket waiting for its connect to finish. Every method but the
/// constructor runs on the loop's thread. The key its descriptors are
/// registered with names its slot and generation, so an event still queued
/// for an entry that has finished is told apart from one for the entry that
/// took its slot.
/// </summary>
internal abstract class LoopEntry
{
    /// <summary>When <see cref="LoopClock"/> passes this (µs), <see cref="Expire"/>; never by default.</summary>
    public long Deadline { get; protected set; } = long.MaxValue;

    public bool IsFinished { get; private set; }

    internal int Slot { get; private set; } = -1;

    internal uint Generation { get; private set; }

    internal void Place(int slot, uint generation)
    {
        Slot = slot;
        Generation = generation;
    }

    /// <summary>The epoll key of descriptor <paramref name="side"/> (0 or 1) of this entry.</summary>
    protected ulong Key(int side) => ((ulong)Generation << 32) | (uint)((Slot << 1) | side);

    /// <summary>
    /// Registers the entry's descriptors; <paramref name="scratch"/> is the
    /// loop's buffer for copies, free to use in any call on the loop's thread.
    /// </summary>
    public abstract void Start(Epoll epoll, NativeBuffer scratch);

    /// <summary>Descriptor <paramref name="side"/> is ready for <paramref name="events"/> (EpollFlags).</summary>
    public abstract void OnEvents(int side, uint events);

    /// <summary>The <see cref="Deadline"/> passed.</summary>
    public abstract void Expire();

    /// <summary>Cancelled from outside (shutdown, ConnectTimeout), or the loop is stopping.</summary>
    public abstract void Abort();

    /// <summary>An unexpected exception in one of the above: end the entry with it.</summary>
    public abstract void Fail(Exception error);

    /// <summary>Marks the entry done; the loop frees its slot after the current call.</summary>
    protected bool TryFinish()
    {
        if (IsFinished)
        {
            return false;
        }

        IsFinished = true;
        return true;
    }
}
