using SocketBridge.Import;

namespace SocketBridge.Tests.Import;

/// <summary>The events of a start on condition (init(5)).</summary>
[Trait("Category", "Unit")]
public sealed class UpstartConditionParserTests
{
    [Fact]
    public void A_lone_socket_event_has_its_arguments_with_quotes_removed()
    {
        UpstartCondition condition = Parse("socket PROTO=inet PORT=80 ADDR=\"127.0.0.1\"");

        UpstartEvent socket = Assert.Single(condition.Events);
        Assert.Equal("socket", socket.Name);
        Assert.Equal(["PROTO=inet", "PORT=80", "ADDR=127.0.0.1"], socket.Arguments);
        Assert.False(condition.Combined);
    }

    [Fact]
    public void Events_combined_with_and_or_and_parentheses_are_all_found()
    {
        UpstartCondition condition = Parse("(socket PROTO=unix SOCKET_PATH=/run/x.sock or started foo) and runlevel [2345]");

        Assert.Equal(["socket PROTO=unix SOCKET_PATH=/run/x.sock", "started foo", "runlevel [2345]"], condition.Events.Select(e => e.ToString()));
        Assert.True(condition.Combined);
    }

    [Theory]
    [InlineData("", "names no event")]
    [InlineData("socket and", "ends without an event after and or or")]
    [InlineData("or socket", "'or' has no event before it")]
    [InlineData("(socket PROTO=inet", "a '(' is not closed")]
    [InlineData("socket PROTO=inet)", "a ')' closes nothing")]
    [InlineData("socket ADDR=\"1.2.3.4", "a \" quote is not closed")]
    public void A_condition_that_cannot_be_read_says_why(string text, string error)
    {
        Assert.False(UpstartConditionParser.TryParse(text, out _, out string why));
        Assert.Equal(error, why);
    }

    private static UpstartCondition Parse(string text)
    {
        Assert.True(UpstartConditionParser.TryParse(text, out UpstartCondition condition, out string error), error);
        return condition;
    }
}
