using SocketBridge.Import;

namespace SocketBridge.Tests.Import;

/// <summary>init(5) syntax: stanzas, comments, continued lines, script blocks.</summary>
[Trait("Category", "Unit")]
public sealed class UpstartJobParserTests
{
    [Fact]
    public void Each_stanza_has_its_keyword_its_arguments_and_its_line()
    {
        List<UpstartStanza> stanzas = Parse("""
            # a comment
            description "a job"

            start on socket PROTO=inet PORT=80   # trailing comment
            respawn limit 10 5
            exec /usr/bin/foo --bar
            """);

        Assert.Equal(
            [("description", "\"a job\"", 2), ("start on", "socket PROTO=inet PORT=80", 4), ("respawn limit", "10 5", 5), ("exec", "/usr/bin/foo --bar", 6)],
            stanzas.Select(s => (s.Keyword, s.Arguments, s.Line)));
    }

    [Fact]
    public void A_start_on_continues_while_a_parenthesis_is_open_and_a_backslash_continues_any_line()
    {
        List<UpstartStanza> stanzas = Parse("""
            start on (socket PROTO=unix SOCKET_PATH=/run/x.sock   # the socket
                      or started other)
            exec /usr/bin/foo \
                --long-option
            """);

        Assert.Equal(("start on", "(socket PROTO=unix SOCKET_PATH=/run/x.sock or started other)", 1), (stanzas[0].Keyword, stanzas[0].Arguments, stanzas[0].Line));
        Assert.Equal(("exec", "/usr/bin/foo      --long-option", 3), (stanzas[1].Keyword, stanzas[1].Arguments, stanzas[1].Line));
    }

    [Fact]
    public void A_hash_inside_quotes_or_a_word_is_not_a_comment()
    {
        List<UpstartStanza> stanzas = Parse("exec /usr/bin/printf '# %s' a#b # gone");

        Assert.Equal("/usr/bin/printf '# %s' a#b", stanzas[0].Arguments);
    }

    [Fact]
    public void A_script_block_is_kept_as_written_up_to_end_script()
    {
        List<UpstartStanza> stanzas = Parse("""
            pre-start script
                mkdir -p /run/foo
            end script
            script
                # the comment stays: it is the shell's
                . /etc/default/foo
                exec /usr/bin/foo $OPTS
            end script  # done
            setuid nobody
            """);

        Assert.Equal(["pre-start script", "script", "setuid"], stanzas.Select(s => s.Keyword));
        Assert.Equal("    mkdir -p /run/foo", stanzas[0].Block);
        Assert.Equal("    # the comment stays: it is the shell's\n    . /etc/default/foo\n    exec /usr/bin/foo $OPTS", stanzas[1].Block);
        Assert.Equal((4, 9), (stanzas[1].Line, stanzas[2].Line));
    }

    [Fact]
    public void A_script_without_end_script_is_reported_with_its_line()
    {
        var notes = new List<ImportNote>();

        IReadOnlyList<UpstartStanza> stanzas = UpstartJobParser.Parse("job.conf", "start on socket PROTO=inet PORT=1\nscript\n  exec cat\n", notes);

        Assert.Single(stanzas);
        Assert.Equal("job.conf:2: script: not translated: no \"end script\" closes it", Assert.Single(notes).ToString());
    }

    [Fact]
    public void Windows_line_endings_are_read_like_unix_ones()
    {
        List<UpstartStanza> stanzas = Parse("start on socket PROTO=inet PORT=1\r\nexec cat\r\n");

        Assert.Equal([("start on", "socket PROTO=inet PORT=1"), ("exec", "cat")], stanzas.Select(s => (s.Keyword, s.Arguments)));
    }

    private static List<UpstartStanza> Parse(string text)
    {
        var notes = new List<ImportNote>();
        IReadOnlyList<UpstartStanza> stanzas = UpstartJobParser.Parse("job.conf", text, notes);
        Assert.Empty(notes);
        return [.. stanzas];
    }
}
