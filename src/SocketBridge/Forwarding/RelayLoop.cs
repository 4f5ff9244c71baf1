using System.Collections.Concurrent;
using SocketBridge.Handover;
using SocketBridge.Native;

namespace SocketBridge.Forwarding;

/// <summary>
/// One thread waiting in epoll(7) for the sockets of many relayed
/// connections, as systemd-socket-proxyd's sd-event loop does: no thread
/// and no pending .NET operation per connection. Other threads hand entries
/// over (<see cref="Register"/>, <see cref="Cancel"/>) through a queue and
/// an eventfd; everything else happens on the loop's thread. Deadlines are
/// <see cref="LoopClock"/> microseconds; epoll_wait's timeout waits for the next.
/// </summary>
internal sealed class RelayLoop : IDisposable
{
    private const ulong WakeKey = ulong.MaxValue;
    private const int BatchSize = 256;

    /// <summary>
    /// How late an idle connection may be closed, so that the ones whose
    /// IdleTimeout ends within this of each other go in one pass over the slots.
    /// </summary>
    private const long ExpirySlackMicroseconds = 10_000;

    private readonly Epoll _epoll = new();
    private readonly WakeSignal _wake = new();
    // No larger than any pipe, so what a copy could not deliver always fits in one.
    private readonly NativeBuffer _scratch = new(KernelPipe.GuaranteedSize);
    private readonly ConcurrentQueue<(LoopEntry Entry, bool Cancel)> _commands = new();
    private readonly Stack<int> _freeSlots = new();
    private readonly Thread _thread;
    private LoopEntry?[] _entries = new LoopEntry?[64];
    private int _slotsUsed;
    private uint _generation;
    private int _wakePending;
    private long _asked; // liveness: questions posted, and the last one the loop answered
    private long _answered;
    private volatile bool _stopping;
    private long _nextExpiry = long.MaxValue;
    private volatile LoopFreeze? _freeze;

    public RelayLoop(string name)
    {
        int rc = _epoll.Add(_wake.Fd, EpollFlags.In, WakeKey);
        if (rc < 0)
        {
            throw new NativeCallException("epoll_ctl", "the relay loop's eventfd", -rc);
        }

        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.UnsafeStart();
    }

    /// <summary>The thread's name, as /proc/PID/task/*/comm shows it.</summary>
    public string Name => _thread.Name!;

    /// <summary>
    /// Asks the loop to show it still turns (for the watchdog): it answers
    /// at its next pass, at the latest once woken through the eventfd.
    /// </summary>
    public void Ask()
    {
        Interlocked.Increment(ref _asked);
        Wake();
    }

    /// <summary>False while the loop has not come round since the last <see cref="Ask"/>.</summary>
    public bool HasAnswered => Volatile.Read(ref _answered) >= Volatile.Read(ref _asked);

    /// <summary>
    /// Holds the loop still for a re-exec: once it has started what was
    /// registered before this call, it captures every relay that has a tag
    /// and stops moving bytes until <see cref="LoopFreeze.Thaw"/> (an exec
    /// that did not happen). Completes with the relays, by tag.
    /// </summary>
    public Task<IReadOnlyList<(string Tag, RelayHandover Relay)>> FreezeAsync(LoopFreeze freeze)
    {
        _freeze = freeze;
        Wake();
        return freeze.Captured;
    }

    /// <summary>Hands <paramref name="entry"/> to the loop, which starts watching it.</summary>
    public void Register(LoopEntry entry) => Post(entry, cancel: false);

    /// <summary>Asks the loop to abort <paramref name="entry"/> (nothing if it has finished).</summary>
    public void Cancel(LoopEntry entry) => Post(entry, cancel: true);

    public void Dispose()
    {
        _stopping = true;
        _wake.Signal();
        _thread.Join();
        // The thread is gone: whatever was left is aborted here.
        while (_commands.TryDequeue(out (LoopEntry Entry, bool Cancel) command))
        {
            if (!command.Cancel && command.Entry.Slot < 0)
            {
                Call(command.Entry, static e => e.Abort());
            }
        }

        for (int slot = 0; slot < _slotsUsed; slot++)
        {
            if (_entries[slot] is { } entry)
            {
                Call(entry, static e => e.Abort());
            }
        }

        _epoll.Dispose();
        _wake.Dispose();
        _scratch.Dispose();
    }

    private void Post(LoopEntry entry, bool cancel)
    {
        if (_stopping)
        {
            // Stopping aborts whatever is left; a cancellation has nothing to add.
            ObjectDisposedException.ThrowIf(!cancel, this);
            return;
        }

        _commands.Enqueue((entry, cancel));
        try
        {
            Wake();
        }
        catch (ObjectDisposedException) when (cancel)
        {
            // Stopped meanwhile: the entry was aborted with the rest.
        }
    }

    /// <summary>One write to the eventfd per wake-up, however many commands or questions it covers.</summary>
    private void Wake()
    {
        if (Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            _wake.Signal();
        }
    }

    private void Run()
    {
        Span<EpollEvent> events = stackalloc EpollEvent[BatchSize];
        while (!_stopping)
        {
            int n = _epoll.Wait(events, WaitMilliseconds());
            bool woken = false;
            for (int i = 0; i < n; i++)
            {
                ulong key = events[i].Data;
                if (key == WakeKey)
                {
                    woken = true;
                    continue;
                }

                int slot = (int)((uint)key >> 1);
                if (slot < _slotsUsed && _entries[slot] is { } entry && entry.Generation == (uint)(key >> 32))
                {
                    Dispatch(entry, (int)(key & 1), events[i].Events);
                }
            }

            if (woken)
            {
                // Reset before taking the commands: one posted after this wakes the loop again.
                _wake.Reset();
                Volatile.Write(ref _wakePending, 0);
            }

            // Came round: whatever the watchdog asked until now is answered.
            Volatile.Write(ref _answered, Volatile.Read(ref _asked));

            RunCommands();
            if (_freeze is { } freeze)
            {
                _freeze = null;
                HoldStill(freeze);
                continue;
            }

            if (_nextExpiry != long.MaxValue && LoopClock.Now is long now && now >= _nextExpiry)
            {
                ExpireDue(now);
            }
        }
    }

    /// <summary>Captures the tagged relays, then waits for the thaw; events meanwhile stay queued in epoll.</summary>
    private void HoldStill(LoopFreeze freeze)
    {
        var relays = new List<(string, RelayHandover)>();
        try
        {
            for (int slot = 0; slot < _slotsUsed; slot++)
            {
                if (_entries[slot] is SpliceRelay { IsFinished: false, Tag: { } tag } relay)
                {
                    relays.Add((tag, relay.Capture()));
                }
            }

            freeze.Complete(relays);
        }
        catch (Exception ex)
        {
            freeze.Fail(ex);
        }

        freeze.WaitForThaw();
    }

    private void Dispatch(LoopEntry entry, int side, uint events)
    {
        try
        {
            entry.OnEvents(side, events);
        }
        catch (Exception ex)
        {
            entry.Fail(ex);
        }

        Settle(entry);
    }

    private void RunCommands()
    {
        while (_commands.TryDequeue(out (LoopEntry Entry, bool Cancel) command))
        {
            LoopEntry entry = command.Entry;
            if (command.Cancel)
            {
                if (entry.Slot >= 0 && !entry.IsFinished)
                {
                    Call(entry, static e => e.Abort());
                }

                continue;
            }

            Place(entry);
            try
            {
                entry.Start(_epoll, _scratch);
            }
            catch (Exception ex)
            {
                entry.Fail(ex);
            }

            Settle(entry);
            if (!entry.IsFinished)
            {
                _nextExpiry = Math.Min(_nextExpiry, entry.Deadline);
            }
        }
    }

    /// <summary>Ends the entries whose deadline passed, and finds when to look again.</summary>
    private void ExpireDue(long now)
    {
        long next = long.MaxValue;
        for (int slot = 0; slot < _slotsUsed; slot++)
        {
            if (_entries[slot] is not { } entry)
            {
                continue;
            }

            if (entry.Deadline <= now)
            {
                Call(entry, static e => e.Expire());
            }
            else
            {
                next = Math.Min(next, entry.Deadline);
            }
        }

        _nextExpiry = next == long.MaxValue ? next : next + ExpirySlackMicroseconds;
    }

    private void Call(LoopEntry entry, Action<LoopEntry> action)
    {
        try
        {
            action(entry);
        }
        catch (Exception ex)
        {
            entry.Fail(ex);
        }

        Settle(entry);
    }

    private void Place(LoopEntry entry)
    {
        int slot;
        if (_freeSlots.Count > 0)
        {
            slot = _freeSlots.Pop();
        }
        else
        {
            if (_slotsUsed == _entries.Length)
            {
                Array.Resize(ref _entries, _entries.Length * 2);
            }

            slot = _slotsUsed++;
        }

        _entries[slot] = entry;
        entry.Place(slot, ++_generation);
    }

    /// <summary>Frees the slot of an entry that has finished.</summary>
    private void Settle(LoopEntry entry)
    {
        if (entry.IsFinished && entry.Slot >= 0 && _entries[entry.Slot] == entry)
        {
            _entries[entry.Slot] = null;
            _freeSlots.Push(entry.Slot);
        }
    }

    /// <summary>epoll_wait's timeout: until the next deadline, rounded up to a millisecond, or forever.</summary>
    private int WaitMilliseconds() =>
        _nextExpiry == long.MaxValue ? -1 : (int)Math.Clamp((_nextExpiry - LoopClock.Now + 999) / 1000, 0, int.MaxValue);
}
