using SocketBridge.Native;

namespace SocketBridge.Forwarding;

/// <summary>
/// Waits in a <see cref="RelayLoop"/> until a socket is writable: how a
/// non-blocking connect(2) reports that it has finished, one way or the
/// other (SO_ERROR says which). Registered one-shot, so it fires once; the
/// relay that follows changes the registration.
/// </summary>
internal sealed class WritableWait(SocketLease socket) : LoopEntry
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Completion => _done.Task;

    public override void Start(Epoll epoll, NativeBuffer scratch)
    {
        int rc = epoll.AddOrModify(socket.Fd, EpollFlags.Out | EpollFlags.OneShot, Key(0));
        if (rc < 0)
        {
            Fail(new NativeCallException("epoll_ctl", "a connecting socket", -rc));
        }
    }

    public override void OnEvents(int side, uint events)
    {
        if (TryFinish())
        {
            _done.TrySetResult();
        }
    }

    public override void Expire()
    {
    }

    public override void Abort()
    {
        if (TryFinish())
        {
            _done.TrySetCanceled();
        }
    }

    public override void Fail(Exception error)
    {
        if (TryFinish())
        {
            _done.TrySetException(error);
        }
    }
}
