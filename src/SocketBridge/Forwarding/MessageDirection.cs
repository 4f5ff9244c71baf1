using SocketBridge.Handover;
using SocketBridge.Native;

namespace SocketBridge.Forwarding;

/// <summary>
/// One direction of a relayed seqpacket connection (<c>unix-seqpacket:</c>
/// to a <c>unix-seqpacket:</c> Target): each message the sender sent arrives
/// as one message, never split or joined, which is what a seqpacket peer
/// counts on. splice(2) and the stream copy would lose that: a read into a
/// buffer smaller than a message drops its rest, and bytes held in a pipe
/// come out as a stream. So each message is measured first (a peek, nothing
/// taken), read whole (into the loop's scratch buffer, or a buffer of its
/// own when larger) and sent with one send(2), which on a seqpacket socket
/// takes all of it or nothing. A message the receiver has no room for yet
/// waits here, alone: nothing more is read from the sender until it is
/// delivered, so the sender's queue, not the daemon's memory, holds the rest.
/// The buffer for large messages is kept while they keep coming, and given
/// up once the sender has nothing more for now: an idle connection holds none.
/// </summary>
internal sealed unsafe class MessageDirection(SocketLease from, SocketLease to) : IRelayDirection
{
    private NativeBuffer? _held;
    private NativeBuffer? _large;
    private int _heldLength = -1; // -1: no message waits for the receiver
    private bool _readable;
    private bool _writable = true;
    private bool _eof;

    /// <summary>A direction carried over from the previous image, with the message that waited, if one did.</summary>
    public MessageDirection(SocketLease from, SocketLease to, DirectionHandover state)
        : this(from, to)
    {
        if (state.Message is { } message)
        {
            _held = new NativeBuffer(Math.Max(message.Length, 1));
            message.CopyTo(new Span<byte>(_held.Pointer, message.Length));
            _heldLength = message.Length;
        }

        _eof = state.Eof;
        Finished = state.Finished;
        Moved = state.Moved;
        _readable = true;
    }

    public long Moved { get; private set; }

    public bool Finished { get; private set; }

    public bool HasPending => _heldLength >= 0;

    public bool WantsInput => !_eof && _heldLength < 0;

    public bool WantsOutput => _heldLength >= 0 && !_writable;

    public void SourceReady(bool closing) => _readable = true;

    public void SinkReady() => _writable = true;

    public int Shovel(NativeBuffer scratch, out bool progressed)
    {
        progressed = false;
        while (!Finished)
        {
            bool moved = false;
            if (_heldLength >= 0 && _writable)
            {
                int sent = to.Send(_held!.Pointer, _heldLength);
                if (sent >= 0)
                {
                    Moved += sent;
                    _heldLength = -1;
                    _held.Dispose();
                    _held = null;
                    moved = true;
                }
                else if (sent == -Errno.EAGAIN)
                {
                    _writable = false;
                }
                else
                {
                    return sent;
                }
            }

            if (_heldLength < 0 && _readable && !_eof)
            {
                int rc = Take(scratch, ref moved);
                if (rc < 0)
                {
                    return rc;
                }
            }

            if (_eof && _heldLength < 0)
            {
                // Pass the end on as a half-close; the other direction goes on.
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
        Message = _heldLength >= 0 ? new ReadOnlySpan<byte>(_held!.Pointer, _heldLength).ToArray() : null,
    };

    public void Dispose()
    {
        _held?.Dispose();
        _held = null;
        ReleaseLarge();
    }

    /// <summary>Reads the next message whole and sends it; what the receiver cannot take yet is held.</summary>
    private int Take(NativeBuffer scratch, ref bool moved)
    {
        int length = from.PeekMessage(out bool end);
        if (end)
        {
            _eof = true;
            moved = true;
            ReleaseLarge();
            return 0;
        }

        if (length == -Errno.EAGAIN)
        {
            // Nothing more for now: an idle connection keeps no large buffer.
            _readable = false;
            ReleaseLarge();
            return 0;
        }

        if (length < 0)
        {
            return length;
        }

        NativeBuffer buffer = length <= scratch.Length ? scratch : Large(length);
        int n = from.Read(buffer.Pointer, length);
        if (n == -Errno.EAGAIN)
        {
            _readable = false;
            return 0;
        }

        if (n < 0)
        {
            return n;
        }

        moved = true;
        int sent = _writable ? to.Send(buffer.Pointer, n) : -Errno.EAGAIN;
        if (sent >= 0)
        {
            Moved += sent;
            return 0;
        }

        if (sent != -Errno.EAGAIN)
        {
            return sent;
        }

        // The receiver is full: this message waits, and nothing more is read meanwhile.
        _writable = false;
        if (buffer == scratch)
        {
            _held = new NativeBuffer(Math.Max(n, 1));
            Buffer.MemoryCopy(scratch.Pointer, _held.Pointer, n, n);
        }
        else
        {
            _held = _large;
            _large = null;
        }

        _heldLength = n;
        return 0;
    }

    /// <summary>The buffer for messages larger than the loop's scratch buffer, kept while they keep coming, grown when one is larger.</summary>
    private NativeBuffer Large(int length)
    {
        if (_large is null || _large.Length < length)
        {
            ReleaseLarge();
            _large = new NativeBuffer(length);
        }

        return _large;
    }

    private void ReleaseLarge()
    {
        _large?.Dispose();
        _large = null;
    }
}
