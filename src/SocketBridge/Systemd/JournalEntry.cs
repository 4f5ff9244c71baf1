using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace SocketBridge.Systemd;

/// <summary>
/// One entry in systemd's native journal protocol
/// (https://systemd.io/JOURNAL_NATIVE_PROTOCOL/): <c>NAME=value\n</c> for
/// each field, or, for a value holding a newline, <c>NAME\n</c>, its length
/// as a little-endian 64-bit number, the bytes, and <c>\n</c>. Reused
/// between entries.
/// </summary>
internal sealed class JournalEntry
{
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);

    public ReadOnlySpan<byte> Bytes => _buffer.WrittenSpan;

    public void Clear() => _buffer.ResetWrittenCount();

    /// <summary>Adds a field; <paramref name="name"/> must already be a valid field name (<see cref="IsValidFieldName"/>).</summary>
    public void Add(string name, string value)
    {
        int nameLength = Encoding.ASCII.GetByteCount(name);
        int valueLength = Encoding.UTF8.GetByteCount(value);
        bool binary = value.Contains('\n', StringComparison.Ordinal);
        Span<byte> span = _buffer.GetSpan(nameLength + valueLength + 10);
        int at = Encoding.ASCII.GetBytes(name, span);
        if (binary)
        {
            span[at++] = (byte)'\n';
            BinaryPrimitives.WriteUInt64LittleEndian(span[at..], (ulong)valueLength);
            at += 8;
        }
        else
        {
            span[at++] = (byte)'=';
        }

        at += Encoding.UTF8.GetBytes(value, span[at..]);
        span[at++] = (byte)'\n';
        _buffer.Advance(at);
    }

    /// <summary>
    /// Field names are upper-case letters, digits and underscores, start with
    /// a letter or digit (a leading underscore is journald's own, trusted
    /// fields) and are at most 64 characters.
    /// </summary>
    public static bool IsValidFieldName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || name.Length > 64 || name[0] == '_' || char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }
}
