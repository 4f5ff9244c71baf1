using System.Buffers;
using System.Globalization;
using System.Text;

namespace SocketBridge.Metrics;

/// <summary>
/// Where a scrape is written: UTF-8 straight into a buffer from the shared
/// pool, grown by doubling, numbers formatted in place. A scrape allocates
/// no text of its own; the buffer goes back to the pool when disposed.
/// </summary>
internal sealed class ScrapeBuffer : IDisposable
{
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);

    public int Length { get; private set; }

    public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, Length);

    public void Clear() => Length = 0;

    public void Write(ReadOnlySpan<byte> bytes)
    {
        Reserve(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(Length));
        Length += bytes.Length;
    }

    public void Write(string text)
    {
        Reserve(Encoding.UTF8.GetMaxByteCount(text.Length));
        Length += Encoding.UTF8.GetBytes(text, _buffer.AsSpan(Length));
    }

    public void Write(char ascii)
    {
        Reserve(1);
        _buffer[Length++] = (byte)ascii;
    }

    public void Write(long value)
    {
        Reserve(20);
        value.TryFormat(_buffer.AsSpan(Length), out int written, default, CultureInfo.InvariantCulture);
        Length += written;
    }

    /// <summary>A value as Prometheus reads it: the shortest form that reads back the same, +Inf, -Inf or NaN.</summary>
    public void Write(double value)
    {
        if (double.IsPositiveInfinity(value))
        {
            Write("+Inf"u8);
            return;
        }

        if (double.IsNegativeInfinity(value))
        {
            Write("-Inf"u8);
            return;
        }

        if (double.IsNaN(value))
        {
            Write("NaN"u8);
            return;
        }

        Reserve(32);
        value.TryFormat(_buffer.AsSpan(Length), out int written, "R", CultureInfo.InvariantCulture);
        Length += written;
    }

    public void Dispose()
    {
        byte[] buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Reserve(int more)
    {
        if (Length + more <= _buffer.Length)
        {
            return;
        }

        byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, Length + more));
        _buffer.AsSpan(0, Length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }
}
