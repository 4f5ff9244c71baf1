using SocketBridge.Handover;
using SocketBridge.Native;

namespace SocketBridge.Forwarding;

/// <summary>
/// One direction of a relayed connection. Small reads (a request, a reply,
/// a keystroke) are copied through the loop's scratch buffer: one read and
/// one send, no pipe. A read that fills the scratch buffer means bulk, and
/// the direction switches to splice(2) through a pipe, so the bytes never
/// enter the daemon's memory (as systemd-socket-proxyd does), until a short
/// read says the burst is over. What the receiver cannot take yet waits in
/// the pipe. The sockets are edge-triggered in epoll: each side is used
/// until it says EAGAIN (or a short read proves it empty), then left until
/// its next event (<see cref="SourceReady"/>, <see cref="SinkReady"/>).
/// </summary>
internal sealed unsafe class SpliceDirection(SocketLease from, SocketLease to, RelaySettings settings) : IRelayDirection
{
    private KernelPipe? _pipe;
    private int _held;
    private bool _bulk;
    private bool _spliceable = settings.Splice;
    private bool _readable;
    private bool _writable = true;
    private bool _closing;
    private bool _eof;
    private bool _full;

    /// <summary>
    /// A direction carried over from the previous image: its pipe with the
    /// bytes in it, and how far it got. Both sockets are tried at once.
    /// </summary>
    public SpliceDirection(SocketLease from, SocketLease to, RelaySettings settings, DirectionHandover state)
        : this(from, to, settings)
    {
        if (state.PipeReadFd >= 0)
        {
            _pipe = KernelPipe.Adopt(state.PipeReadFd, state.PipeWriteFd);
        }

        _held = state.Held;
        _bulk = state.Bulk;
        _spliceable = state.Spliceable && settings.Splice;
        _eof = state.Eof;
        Finished = state.Finished;
        Moved = state.Moved;
        _readable = true;
    }

    /// <summary>Bytes delivered to the receiving socket.</summary>
    public long Moved { get; private set; }

    /// <summary>EOF came and everything before it was delivered; the receiver was told (half-close).</summary>
    public bool Finished { get; private set; }

    /// <summary>Bytes taken from the sender that the receiver has not taken yet.</summary>
    public bool HasPending => _held > 0;

    /// <summary>
    /// Whether news from the sender could be acted on: not once the pipe can
    /// take no more until the receiver drains it (the bytes then stay in the
    /// sender's socket, and TCP's flow control slows the sender), nor after
    /// EOF. Otherwise every packet arriving at a relay held up by its
    /// receiver would wake it for nothing. While the pipe has room it keeps
    /// reading, so the sender's window stays open.
    /// </summary>
    public bool WantsInput => !_eof && !(_held > 0 && (_full || !_spliceable));

    /// <summary>Whether the receiver's room is awaited: bytes wait for it and it said it was full.</summary>
    public bool WantsOutput => _held > 0 && !_writable;

    /// <summary>
    /// The sender has something (or an EOF, or an error) to read;
    /// <paramref name="closing"/> when the event says the peer is going away,
    /// so every byte up to the EOF must be read now.
    /// </summary>
    public void SourceReady(bool closing)
    {
        _readable = true;
        _closing |= closing;
    }

    /// <summary>The receiver can take more.</summary>
    public void SinkReady() => _writable = true;

    /// <summary>
    /// Moves what can be moved now, using <paramref name="scratch"/> for
    /// copies. Returns 0, or -errno when a socket failed;
    /// <paramref name="progressed"/> when any byte (or the EOF) moved.
    /// </summary>
    public int Shovel(NativeBuffer scratch, out bool progressed)
    {
        progressed = false;
        while (!Finished)
        {
            bool moved = false;
            if (_readable && !_eof)
            {
                int rc = _held == 0 && !_bulk ? Copy(scratch, ref moved)
                    : _spliceable && (_pipe is null || _held < _pipe.Capacity) ? Splice(ref moved)
                    : 0;
                if (rc < 0)
                {
                    return rc;
                }
            }

            if (_held > 0 && _writable)
            {
                int n = _pipe!.DrainTo(to.Fd, _held);
                if (n > 0)
                {
                    _held -= n;
                    Moved += n;
                    _full = false;
                    moved = true;
                }
                else if (n == -Errno.EAGAIN || n == 0)
                {
                    _writable = false;
                }
                else
                {
                    return n;
                }
            }

            if (_eof && _held == 0)
            {
                // Pass the EOF on as a half-close; the other direction goes on.
                int rc = to.ShutdownWrite();
                if (rc < 0 && rc != -Errno.ENOTCONN)
                {
                    return rc;
                }

                Finished = true;
                moved = true;
            }

            if (!moved)
            {
                break;
            }

            progressed = true;
        }

        return 0;
    }

    public DirectionHandover Capture() => new()
    {
        Moved = Moved,
        Eof = _eof,
        Finished = Finished,
        Bulk = _bulk,
        Spliceable = _spliceable,
        PipeReadFd = _pipe?.ReadFd ?? -1,
        PipeWriteFd = _pipe?.WriteFd ?? -1,
        Held = _held,
    };

    public void Dispose()
    {
        _pipe?.Dispose();
        _pipe = null;
    }

    /// <summary>One read into the scratch buffer and one send; what the receiver does not take goes into the pipe.</summary>
    private int Copy(NativeBuffer scratch, ref bool moved)
    {
        int n = from.Read(scratch.Pointer, scratch.Length);
        if (n > 0)
        {
            moved = true;
            int sent = _writable ? to.Send(scratch.Pointer, n) : -Errno.EAGAIN;
            if (sent == -Errno.EAGAIN)
            {
                sent = 0;
            }
            else if (sent < 0)
            {
                return sent;
            }

            Moved += sent;
            if (sent < n)
            {
                _writable = false;
                int rc = Hold(scratch.Pointer + sent, n - sent);
                if (rc < 0)
                {
                    return rc;
                }
            }

            if (n == scratch.Length)
            {
                _bulk = _spliceable; // more is coming: splice it
            }
            else if (!_closing)
            {
                // A read returns all the socket has queued, up to the buffer: a short
                // one emptied it, and the next packet brings the next event. Not so
                // when the peer is closing: its EOF raises no further event.
                _readable = false;
            }
        }
        else if (n == 0)
        {
            _eof = true;
            moved = true;
        }
        else if (n == -Errno.EAGAIN)
        {
            _readable = false;
        }
        else
        {
            return n;
        }

        return 0;
    }

    /// <summary>Keeps <paramref name="count"/> bytes the receiver could not take in the (empty) pipe.</summary>
    private int Hold(byte* bytes, int count)
    {
        // The scratch buffer is no larger than any pipe: it all fits.
        int n = Pipe().Write(bytes, count);
        if (n < 0)
        {
            return n;
        }

        _held += n;
        return n == count ? 0 : -Errno.EAGAIN;
    }

    /// <summary>splice(2) from the sending socket into the pipe.</summary>
    private int Splice(ref bool moved)
    {
        KernelPipe pipe = Pipe();
        bool wasEmpty = _held == 0;
        int room = pipe.Capacity - _held;
        int n = pipe.FillFrom(from.Fd, room);
        if (n > 0)
        {
            _held += n;
            _full = _held >= pipe.Capacity;
            moved = true;
            // As for a copy: a short read into an empty pipe emptied the socket
            // (unless the pipe ran out of slots first, which it cannot with
            // fewer bytes than slots), and one that small ends the burst.
            if (wasEmpty && n < room && !_closing)
            {
                if (n < pipe.Slots)
                {
                    _readable = false;
                }

                _bulk = n >= KernelPipe.GuaranteedSize;
            }
        }
        else if (n == 0)
        {
            _eof = true;
            moved = true;
        }
        else if (n == -Errno.EAGAIN)
        {
            // An empty socket; or, with as many bytes in the pipe as it has slots,
            // perhaps a pipe out of slots: then try again once it has drained. A
            // bulk sender stays bulk across the pauses between its bursts.
            if (_held < pipe.Slots)
            {
                _readable = false;
            }
            else
            {
                _full = true;
            }
        }
        else if (n == -Errno.EINVAL || n == -Errno.ENOSYS)
        {
            // This socket cannot be spliced from: copy, from now on.
            _spliceable = false;
            _bulk = false;
            moved = true;
        }
        else
        {
            return n;
        }

        return 0;
    }

    private KernelPipe Pipe() => _pipe ??= new KernelPipe(settings.PipeSize, settings.DescriptorCeiling);
}
