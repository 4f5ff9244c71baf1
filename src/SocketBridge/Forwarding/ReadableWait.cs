using System.Runtime.InteropServices;
using SocketBridge.Native;

namespace SocketBridge.Forwarding;

/// <summary>
/// Waits in a <see cref="RelayLoop"/>, without reading or accepting, until
/// one of some descriptors is readable: a pending connection or a waiting
/// datagram on one of a handoff bridge's sockets, bytes in a FIFO. Each is
/// registered one-shot, level-triggered, so what was already there when the
/// wait began wakes it at once, and nothing that arrives is missed. Which one
/// is readable, the first in order, poll(2) says then, as the wait always
/// did. The descriptors are held (a reference on each handle) from the
/// constructor until the wait ends, and unregistered before it reports, for
/// their files outlive it (a handoff program gets the very sockets).
/// </summary>
internal sealed class ReadableWait : LoopEntry
{
    private readonly IReadOnlyList<SafeHandle> _handles;
    private readonly HandleLease?[] _leases;
    private readonly int[] _fds;
    private readonly TaskCompletionSource<int> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Epoll? _epoll;
    private int _registered;

    /// <summary>Takes a reference on each of <paramref name="handles"/>; ObjectDisposedException if one is closed.</summary>
    public ReadableWait(IReadOnlyList<SafeHandle> handles)
    {
        _handles = handles;
        _leases = new HandleLease?[handles.Count];
        _fds = new int[handles.Count];
        try
        {
            for (int i = 0; i < handles.Count; i++)
            {
                _leases[i] = HandleLease.Take(handles[i]);
                _fds[i] = _leases[i]!.Fd;
            }
        }
        catch
        {
            ReleaseHandles();
            throw;
        }
    }

    /// <summary>The index of a readable descriptor, or -1 once aborted or failed.</summary>
    public Task<int> Completion => _done.Task;

    public override void Start(Epoll epoll, NativeBuffer scratch)
    {
        _epoll = epoll;
        for (; _registered < _fds.Length; _registered++)
        {
            int rc = epoll.AddOrModify(_fds[_registered], EpollFlags.In | EpollFlags.OneShot, Key(0));
            if (rc < 0)
            {
                Fail(new NativeCallException("epoll_ctl", "a descriptor waited on for readability", -rc));
                return;
            }
        }
    }

    public override void OnEvents(int side, uint events)
    {
        // Any event (readable, an error, a hang-up) counts, as it does for poll(2).
        int ready = Posix.WaitAnyReadable(_handles, TimeSpan.Zero);
        if (ready >= 0)
        {
            Finish(ready);
            return;
        }

        // Gone again before it was looked at: wait on, every descriptor armed again.
        for (int i = 0; i < _registered; i++)
        {
            int rc = _epoll!.Modify(_fds[i], EpollFlags.In | EpollFlags.OneShot, Key(0));
            if (rc < 0)
            {
                throw new NativeCallException("epoll_ctl", "a descriptor waited on for readability", -rc);
            }
        }
    }

    public override void Expire()
    {
    }

    public override void Abort() => Finish(-1);

    /// <summary>As poll(2) failing did: the wait ends with nothing ready (the bridge's loop ends).</summary>
    public override void Fail(Exception error) => Finish(-1);

    private void Finish(int ready)
    {
        if (!TryFinish())
        {
            return;
        }

        // Unregistered while still held: the descriptors are still these files.
        for (int i = 0; i < _registered; i++)
        {
            _epoll!.Remove(_fds[i]);
        }

        ReleaseHandles();
        _done.TrySetResult(ready);
    }

    private void ReleaseHandles()
    {
        for (int i = 0; i < _leases.Length; i++)
        {
            _leases[i]?.Dispose();
            _leases[i] = null;
        }
    }
}
