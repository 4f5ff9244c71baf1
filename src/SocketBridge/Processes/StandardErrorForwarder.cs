using System.Buffers;
using System.Net.Sockets;
using System.Text;

namespace SocketBridge.Processes;

/// <summary>
/// Turns a launched program's stderr into log entries, one a line. Lines
/// longer than <see cref="MaxLineBytes"/> are split, and invalid UTF-8 and
/// control characters are replaced. Logging never waits (Logging/QueuedSink):
/// lines a program floods faster than the log takes them are dropped and
/// counted, so it holds a bounded amount of the daemon's memory.
/// </summary>
internal static class StandardErrorForwarder
{
    public const int MaxLineBytes = 4096;

    public static async Task RunAsync(Socket source, Action<string> writeLine, CancellationToken cancellationToken)
    {
        byte[] line = ArrayPool<byte>.Shared.Rent(MaxLineBytes);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(MaxLineBytes);
        int length = 0;
        try
        {
            while (true)
            {
                int read;
                try
                {
                    // Off the socket event loop before logging: a program flooding
                    // stderr must not hold up other connections.
                    read = await source.ReceiveAsync(buffer.AsMemory(0, MaxLineBytes), SocketFlags.None, cancellationToken)
                        .AsTask().ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
                }
                catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
                {
                    break;
                }

                if (read == 0)
                {
                    break;
                }

                for (int i = 0; i < read; i++)
                {
                    byte b = buffer[i];
                    if (b == (byte)'\n')
                    {
                        writeLine(Decode(line, length));
                        length = 0;
                        continue;
                    }

                    line[length++] = b;
                    if (length == MaxLineBytes)
                    {
                        writeLine(Decode(line, length));
                        length = 0;
                    }
                }
            }

            if (length > 0)
            {
                writeLine(Decode(line, length));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(line);
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>UTF-8 with replacement characters; control characters (but tab) become U+FFFD too.</summary>
    public static string Decode(byte[] bytes, int length)
    {
        if (length > 0 && bytes[length - 1] == (byte)'\r')
        {
            length--;
        }

        string text = Encoding.UTF8.GetString(bytes, 0, length);
        bool clean = true;
        foreach (char c in text)
        {
            if (char.IsControl(c) && c != '\t')
            {
                clean = false;
                break;
            }
        }

        if (clean)
        {
            return text;
        }

        return string.Create(text.Length, text, static (span, source) =>
        {
            for (int i = 0; i < source.Length; i++)
            {
                char c = source[i];
                span[i] = char.IsControl(c) && c != '\t' ? '\uFFFD' : c;
            }
        });
    }
}
