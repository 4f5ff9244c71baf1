using SocketBridge.Import;

namespace SocketBridge.Tests.Import;

/// <summary>The syntax of xinetd files (xinetd.conf(5)): sections, operators, comments.</summary>
[Trait("Category", "Unit")]
public sealed class XinetdParserTests
{
    [Fact]
    public void Sections_their_attributes_operators_and_values_are_read_in_order_and_comments_are_skipped()
    {
        var notes = new List<ImportNote>();
        IReadOnlyList<XinetdSection> sections = XinetdParser.Parse("x.conf", """
            # a comment
            defaults
            {
                only_from = 127.0.0.1
            }

            service telnet {
                # default: off
                socket_type = stream
                only_from  += 10.0.0.0 192.168.1.0
                log_on_failure -= USERID
                server_args=-h -x a=b
            }
            """, notes);

        Assert.Empty(notes);
        Assert.Equal([("defaults", true, 2), ("telnet", false, 7)], sections.Select(s => (s.Name, s.IsDefaults, s.Line)));
        Assert.Equal(
            [("socket_type", "=", "stream", 9), ("only_from", "+=", "10.0.0.0 192.168.1.0", 10), ("log_on_failure", "-=", "USERID", 11), ("server_args", "=", "-h -x a=b", 12)],
            sections[1].Attributes.Select(a => (a.Name, a.Operator, a.Text, a.Line)));
    }

    [Fact]
    public void Include_lines_lines_outside_sections_and_broken_sections_are_noted_with_their_line()
    {
        var notes = new List<ImportNote>();
        IReadOnlyList<XinetdSection> sections = XinetdParser.Parse("x.conf", """
            includedir /etc/xinetd.d
            port = 80
            service
            {
            }
            service ok
            {
                not an attribute
                wait = no
            }
            service open
            {
                wait = no
            """, notes);

        Assert.Equal(["ok"], sections.Select(s => s.Name));
        Assert.Equal(["wait"], sections[0].Attributes.Select(a => a.Name));
        Assert.Equal(
        [
            "x.conf:1: includedir: not translated: not followed: give the files to import on the command line (socketbridge import xinetd /etc/xinetd.conf /etc/xinetd.d/*)",
            "x.conf:2: port: not translated: outside a service or defaults section",
            "x.conf:3: service: not translated: a service needs a name",
            "x.conf:8: not: not translated: not NAME = VALUE",
            "x.conf:11: service open: not translated: no } closes the section",
        ],
            notes.Select(n => n.ToString()));
    }

    [Fact]
    public void Defaults_apply_first_and_a_service_adds_removes_or_replaces_values()
    {
        var notes = new List<ImportNote>();
        IReadOnlyList<XinetdSection> sections = XinetdParser.Parse("x.conf", """
            defaults
            {
                only_from = 127.0.0.1 10.0.0.0
                log_on_success = HOST PID
                instances = 60
            }
            service a
            {
                only_from += 192.0.2.7
                only_from -= 10.0.0.0
                log_on_success = DURATION
                port += 5
                port = 6
            }
            """, notes);

        XinetdAttributes defaults = XinetdAttributes.Resolve(XinetdAttributes.Empty, sections[0], notes);
        XinetdAttributes service = XinetdAttributes.Resolve(defaults, sections[1], notes);

        Assert.Equal(["127.0.0.1", "192.0.2.7"], service["only_from"]!.Values);
        Assert.Equal(["DURATION"], service["log_on_success"]!.Values);
        Assert.Equal(("60", true), (service["instances"]!.Single, service["instances"]!.FromDefaults));
        Assert.Equal(["6"], service["port"]!.Values);
        Assert.Equal(
        [
            "x.conf:12: port: takes one value: += read as =",
            "x.conf:12: port: not translated: replaced by the port at line 13",
        ],
            notes.Select(n => n.ToString()));
    }
}
