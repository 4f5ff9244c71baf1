using System.Text;
using SocketBridge.Handover;

namespace SocketBridge.Tests.Handover;

/// <summary>
/// The handover state as the sealed memfd holds it (issue 17, section 1):
/// what one image writes, the next reads back whole, and what it cannot read
/// it names by file and field.
/// </summary>
[Trait("Category", "Unit")]
public sealed class HandoverFormatTests
{
    private const string Subject = "memfd:socketbridge-handover (fd 12)";

    [Fact]
    public void A_state_with_a_relayed_connection_a_program_and_a_backend_reads_back_as_written()
    {
        var state = new HandoverState
        {
            Version = HandoverFormat.Version,
            Program = "/usr/sbin/socketbridge",
            RequestedAt = 123_456_789,
            Origin = "SIGUSR2",
            IdPrefix = "b9bbfc",
            LastId = 41,
            ReplyFd = 17,
            Bridges =
            [
                new BridgeHandover
                {
                    Name = "relay",
                    Total = 41,
                    Refused = 3,
                    LastError = "MaxConnections (2) reached",
                    LastErrorTime = new DateTimeOffset(2026, 12, 4, 14, 0, 0, TimeSpan.Zero),
                    Connections =
                    [
                        new ConnectionHandover
                        {
                            Id = "b9bbfc-40",
                            Peer = "127.0.0.1:35570",
                            Relay = new RelayHandover
                            {
                                ClientFd = 20,
                                TargetFd = 21,
                                IdleLeft = 1_500_000,
                                Up = new DirectionHandover { Moved = 1L << 32, PipeReadFd = 22, PipeWriteFd = 23, Held = 65536 },
                                Down = new DirectionHandover { Moved = 5, Eof = true, Message = [1, 2, 3] },
                            },
                        },
                        new ConnectionHandover { Id = "b9bbfc-41", Program = new ProgramHandover { Pid = 4242, StandardErrorFd = 24, WaitStatus = 256 } },
                    ],
                    Backend = new SessionHandover { Id = "b9bbfc-1", StartedAt = 99, Program = new ProgramHandover { Pid = 4000 } },
                    Pause = new PauseHandover { QuickExits = 2, Length = TimeSpan.FromSeconds(4), Until = 555 },
                },
            ],
            Nodes = [new NodeHandover { Path = "/run/x.sock", DirectoryFd = 9, Name = "x.sock", Mode = 0x1ed, Inode = 77 }],
            Fifos = [new FifoHandover { Path = "/run/in.fifo", ReaderFd = 10 }],
        };

        byte[] written = HandoverFormat.Serialize(state);
        HandoverState read = HandoverFormat.Parse(written, Subject);

        // Every field: what is read writes the very same bytes again.
        Assert.Equal(Encoding.UTF8.GetString(written), Encoding.UTF8.GetString(HandoverFormat.Serialize(read)));
        BridgeHandover bridge = Assert.Single(read.Bridges);
        Assert.Equal(1L << 32, bridge.Connections[0].Relay!.Up.Moved);
        Assert.Equal([1, 2, 3], bridge.Connections[0].Relay!.Down.Message);
        Assert.Equal(256, bridge.Connections[1].Program!.WaitStatus);
        Assert.Equal(TimeSpan.FromSeconds(4), bridge.Pause!.Length);
        Assert.Equal(("b9bbfc", 41L, 17), (read.IdPrefix, read.LastId, read.ReplyFd));
    }

    public static TheoryData<string, string> Unreadable => new()
    {
        { "socketbridge 0.1.0", "not JSON" },
        { "[1]", "field \"Version\" is missing: not a handover state" },
        { """{ "Program": "/usr/sbin/socketbridge" }""", "field \"Version\" is missing" },
        { """{ "Version": "1", "Program": "/usr/sbin/socketbridge" }""", "field \"Version\" is \"1\", not a version number" },
        { """{ "Version": 2, "Program": "/usr/sbin/socketbridge" }""", $"field \"Version\" is 2, and this socketbridge reads version {HandoverFormat.Version} only" },
        { """{ "Version": 1 }""", "Program" },
        { """{ "Version": 1, "Program": "/x", "Bridges": [ { "Name": "a", "Total": "many" } ] }""", "field \"$.Bridges[0].Total\"" },
    };

    [Theory]
    [MemberData(nameof(Unreadable))]
    public void A_state_that_cannot_be_read_is_refused_naming_the_file_and_the_field(string content, string expected)
    {
        HandoverException refused = Assert.Throws<HandoverException>(() => HandoverFormat.Parse(Encoding.UTF8.GetBytes(content), Subject));

        Assert.StartsWith(Subject + ": ", refused.Message, StringComparison.Ordinal);
        Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
    }
}
