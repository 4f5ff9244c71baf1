using Microsoft.Win32.SafeHandles;
using SocketBridge.Native;

namespace SocketBridge.Endpoints;

/// <summary>
/// A FIFO a bridge reads (SPEC 5, FIFO listeners): its read end, open
/// O_RDONLY|O_NONBLOCK for the bridge's life, and the daemon's own write
/// end, held between sessions so that poll(2) reports no hang-up while no
/// writer is present and waiting costs nothing. A session closes the
/// daemon's write end, so the reader sees EOF once the real writers have
/// closed, and reopens it afterwards. On dispose the FIFO is removed, but
/// only if the daemon created it and the path is still that very FIFO (SPEC 8).
/// </summary>
internal sealed class FifoListener : IListener
{
    private readonly CreatedNode? _created;
    private SafePipeHandle? _writer;
    private int _disposed;

    /// <param name="writer">The daemon's write end; null while a session runs (one carried over by a re-exec).</param>
    public FifoListener(FifoEndpoint endpoint, SafePipeHandle reader, SafePipeHandle? writer, CreatedNode? created)
    {
        Endpoint = endpoint;
        Reader = reader;
        _writer = writer;
        _created = created;
    }

    public FifoEndpoint Endpoint { get; }

    public string Path => Endpoint.Path;

    /// <summary>The read end (non-blocking); closed by <see cref="Close"/>, once its users release it.</summary>
    public SafePipeHandle Reader { get; }

    public string Display => Endpoint.ToString();

    /// <summary>The FIFO the daemon made, if it did.</summary>
    public CreatedNode? Created => _created;

    /// <summary>The daemon's write end, when it holds one (between sessions).</summary>
    public SafePipeHandle? Writer => Volatile.Read(ref _writer);

    /// <summary>Closes the daemon's write end: from now on the reader sees EOF when the last writer closes.</summary>
    public void BeginSession()
    {
        Interlocked.Exchange(ref _writer, null)?.Dispose();
    }

    /// <summary>Opens the daemon's write end again, and makes the read end non-blocking again (a program may have cleared it).</summary>
    /// <returns>False once the listener is closed (shutdown).</returns>
    public bool EndSession()
    {
        try
        {
            Fifos.SetNonBlocking(Reader, on: true);
            SafePipeHandle writer = Fifos.ReopenWriter(Reader);
            Interlocked.Exchange(ref _writer, writer)?.Dispose();
            return true;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    public void Close()
    {
        Interlocked.Exchange(ref _writer, null)?.Dispose();
        Reader.Dispose();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Close();
        _created?.Remove();
    }
}
