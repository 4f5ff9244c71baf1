using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace SocketBridge.Tests.Reexec;

/// <summary>
/// A large transfer through a forward bridge, checked both ways: the client
/// sends <see cref="Size"/> bytes, the backend hashes what arrives and sends
/// it back, and the client hashes what comes back. The client reads only up
/// to <see cref="Allow"/>ed bytes, so a test can hold bytes in flight in the
/// relay (the way back full, then the way there) at a moment of its choosing.
/// The data is slices of a random pool at offsets that change with every
/// block, so a lost, repeated or reordered block changes the checksums.
/// </summary>
internal sealed class GatedTransfer : IDisposable
{
    private const int Block = 1 << 20;
    private const int PoolSize = 8 << 20;

    private readonly byte[] _pool = RandomNumberGenerator.GetBytes(PoolSize);
    private readonly IncrementalHash _sentHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly TaskCompletionSource<string> _backendHash = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _raised = new(0);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _allowed;
    private long _sent;
    private long _received;
    private long _sendStartedTicks = -1; // _clock ticks at which the send now in progress began, -1 between sends

    public GatedTransfer(long size)
    {
        Size = size;
    }

    public long Size { get; }

    public long Sent => Interlocked.Read(ref _sent);

    public long Received => Interlocked.Read(ref _received);

    public long Allowed => Interlocked.Read(ref _allowed);

    /// <summary>The SHA-256 of every byte the client sent, once it sent them all.</summary>
    public string? SentHash { get; private set; }

    /// <summary>The SHA-256 of what reached the backend, once it read EOF.</summary>
    public Task<string> BackendHash => _backendHash.Task;

    /// <summary>
    /// Whether the client's current send has not moved for <paramref name="stalled"/>:
    /// every buffer between it and its own paused reader is full.
    /// </summary>
    public bool SenderBlockedFor(TimeSpan stalled)
    {
        long started = Interlocked.Read(ref _sendStartedTicks);
        return started >= 0 && _clock.Elapsed - TimeSpan.FromTicks(started) >= stalled;
    }

    /// <summary>Lets the client read up to <paramref name="bytes"/> in all (at most <see cref="Size"/>).</summary>
    public void Allow(long bytes)
    {
        Interlocked.Exchange(ref _allowed, Math.Min(bytes, Size));
        _raised.Release();
    }

    public void Dispose()
    {
        _sentHash.Dispose();
        _raised.Dispose();
    }

    /// <summary>The backend's side: hashes what arrives and echoes it, then half-closes after EOF.</summary>
    public async Task EchoAndHashAsync(Socket socket)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[256 << 10];
        while (true)
        {
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None);
            if (n == 0)
            {
                _backendHash.TrySetResult(Convert.ToHexString(hash.GetHashAndReset()));
                socket.Shutdown(SocketShutdown.Send);
                return;
            }

            hash.AppendData(buffer, 0, n);
            int sent = 0;
            while (sent < n)
            {
                sent += await socket.SendAsync(buffer.AsMemory(sent, n - sent), SocketFlags.None);
            }
        }
    }

    /// <summary>The client's sending side: every block, then a half-close.</summary>
    public async Task SendAsync(Socket socket, CancellationToken cancellationToken)
    {
        for (long block = 0; block * Block < Size; block++)
        {
            int length = (int)Math.Min(Block, Size - (block * Block));
            int offset = (int)(block * 1_000_003 % (PoolSize - Block));
            ReadOnlyMemory<byte> data = _pool.AsMemory(offset, length);
            _sentHash.AppendData(data.Span);
            Interlocked.Exchange(ref _sendStartedTicks, _clock.Elapsed.Ticks);
            while (data.Length > 0)
            {
                int n = await socket.SendAsync(data, SocketFlags.None, cancellationToken);
                data = data[n..];
                Interlocked.Add(ref _sent, n);
                Interlocked.Exchange(ref _sendStartedTicks, _clock.Elapsed.Ticks);
            }

            Interlocked.Exchange(ref _sendStartedTicks, -1);
        }

        SentHash = Convert.ToHexString(_sentHash.GetHashAndReset());
        socket.Shutdown(SocketShutdown.Send);
    }

    /// <summary>
    /// The client's receiving side, never past <see cref="Allowed"/>: the
    /// SHA-256 of everything that came back, once the relay closed it and at
    /// least <see cref="Size"/> bytes came (more is a failure the hash shows).
    /// </summary>
    public async Task<string> ReceiveAsync(Socket socket, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[256 << 10];
        while (true)
        {
            long room;
            while ((room = Allowed - Received) <= 0 && Received < Size)
            {
                await _raised.WaitAsync(cancellationToken);
            }

            // Past the whole size the read is unbounded: it must be EOF.
            int want = Received >= Size ? buffer.Length : (int)Math.Min(buffer.Length, room);
            int n = await socket.ReceiveAsync(buffer.AsMemory(0, want), SocketFlags.None, cancellationToken);
            if (n == 0)
            {
                return Convert.ToHexString(hash.GetHashAndReset());
            }

            hash.AppendData(buffer, 0, n);
            Interlocked.Add(ref _received, n);
        }
    }
}
