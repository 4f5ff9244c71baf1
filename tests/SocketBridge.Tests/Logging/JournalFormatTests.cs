using System.Buffers.Binary;
using System.Text;
using SocketBridge.Logging;
using SocketBridge.Systemd;

namespace SocketBridge.Tests.Logging;

/// <summary>The native journal protocol's serialization and the field names, without a journal.</summary>
[Trait("Category", "Unit")]
public sealed class JournalFormatTests
{
    [Theory]
    [InlineData("Bridge", "BRIDGE")]
    [InlineData("ConnectionId", "CONNECTION_ID")]
    [InlineData("RemoteAddr", "REMOTE_ADDR")]
    [InlineData("ChildPid", "CHILD_PID")]
    [InlineData("BytesIn", "BYTES_IN")]
    [InlineData("DurationMs", "DURATION_MS")]
    [InlineData("ExitStatus", "EXIT_STATUS")]
    [InlineData("TCPRemoteIP", "TCP_REMOTE_IP")]
    [InlineData("Ipv6Address", "IPV6_ADDRESS")]
    public void Property_names_become_journal_field_names(string property, string field) =>
        Assert.Equal(field, JournalFieldName.From(property));

    [Theory]
    [InlineData("SourceContext")]
    [InlineData("EventId")]
    [InlineData("{OriginalFormat}")]
    [InlineData("Message")]
    [InlineData("Priority")]
    [InlineData("_Trusted")]
    [InlineData("9Lives")]
    [InlineData("Ünïcode")]
    public void Bookkeeping_reserved_and_invalid_names_are_left_out(string property) =>
        Assert.Null(JournalFieldName.From(property));

    [Fact]
    public void A_value_without_a_newline_is_NAME_equals_value_and_one_with_a_newline_is_length_prefixed()
    {
        var entry = new JournalEntry();
        entry.Add("MESSAGE", "hello");
        entry.Add("PROBLEMS", "one\ntwo");
        byte[] bytes = entry.Bytes.ToArray();

        byte[] expectedStart = Encoding.ASCII.GetBytes("MESSAGE=hello\nPROBLEMS\n");
        Assert.Equal(expectedStart, bytes[..expectedStart.Length]);
        Assert.Equal(7UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(expectedStart.Length, 8)));
        Assert.Equal("one\ntwo\n", Encoding.ASCII.GetString(bytes, expectedStart.Length + 8, 8));
        Assert.Equal(expectedStart.Length + 8 + 8, bytes.Length);

        entry.Clear();
        entry.Add("A", "ü");
        Assert.Equal("A=ü\n", Encoding.UTF8.GetString(entry.Bytes));
    }

    [Theory]
    [InlineData("8:12345", "socket:[12345]", true)]
    [InlineData("8:12345", "socket:[123456]", false)]
    [InlineData("8:12345", "pipe:[12345]", false)]
    [InlineData("garbage", "socket:[12345]", false)]
    [InlineData("8:", "socket:[]", false)]
    public void JOURNAL_STREAM_matches_stderr_by_inode(string journalStream, string link, bool matches) =>
        Assert.Equal(matches, JournalStream.Matches(journalStream, link));
}
