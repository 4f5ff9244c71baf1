using SocketBridge.Import;

namespace SocketBridge.Tests.Import;

/// <summary>Bridge names from job names: [a-z0-9][a-z0-9._-]* (SPEC 3), each once.</summary>
[Trait("Category", "Unit")]
public sealed class BridgeNamesTests
{
    [Theory]
    [InlineData("echo", "echo")]
    [InlineData("My_Job", "my_job")]
    [InlineData("web server", "web-server")]
    [InlineData("pg.socket", "pg.socket")]
    [InlineData("-_.lead", "lead")]
    [InlineData("café", "caf-")]
    [InlineData("...", "job")]
    public void A_job_name_becomes_a_valid_bridge_name(string job, string bridge)
    {
        Assert.Equal(bridge, BridgeNames.FromJobName(job));
        Assert.Matches("^[a-z0-9][a-z0-9._-]*$", bridge);
    }

    [Fact]
    public void A_name_already_taken_gets_the_next_free_number()
    {
        var taken = new HashSet<string> { "echo", "echo-2" };

        Assert.Equal("echo-3", BridgeNames.Unique("echo", taken));
        Assert.Equal("other", BridgeNames.Unique("other", taken));
        Assert.Contains("echo-3", taken);
    }
}
