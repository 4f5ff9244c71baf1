using SocketBridge.Configuration;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Configuration;

/// <summary>SPEC 2: without -c, the main file and then every bridges.d/*.json in name order.</summary>
[Trait("Category", "Unit")]
public sealed class ConfigurationFilesTests
{
    [Fact]
    public void Without_c_the_main_file_comes_first_then_the_drop_ins_in_name_order()
    {
        using var dir = new TempDirectory();
        string main = dir.Write("socketbridge.json", "{}");
        string dropIns = Directory.CreateDirectory(dir["bridges.d"]).FullName;
        string b = Path.Combine(dropIns, "20-b.json");
        string a = Path.Combine(dropIns, "10-a.json");
        string upper = Path.Combine(dropIns, "Z.json");
        File.WriteAllText(b, "{}");
        File.WriteAllText(a, "{}");
        File.WriteAllText(upper, "{}");
        File.WriteAllText(Path.Combine(dropIns, "30-c.json.disabled"), "{}");
        File.WriteAllText(Path.Combine(dropIns, "README"), "not configuration");

        IReadOnlyList<string> files = ConfigurationFiles.Resolve([], main, dropIns);

        Assert.Equal([main, a, b, upper], files);
    }

    [Fact]
    public void Without_a_main_file_the_drop_ins_alone_are_read()
    {
        using var dir = new TempDirectory();
        string dropIns = Directory.CreateDirectory(dir["bridges.d"]).FullName;
        string only = Path.Combine(dropIns, "echo.json");
        File.WriteAllText(only, "{}");

        Assert.Equal([only], ConfigurationFiles.Resolve([], dir["socketbridge.json"], dropIns));
    }

    [Fact]
    public void Files_given_with_c_are_read_in_the_order_given_and_nothing_else()
    {
        using var dir = new TempDirectory();
        string main = dir.Write("socketbridge.json", "{}");
        string dropIns = Directory.CreateDirectory(dir["bridges.d"]).FullName;
        File.WriteAllText(Path.Combine(dropIns, "10-a.json"), "{}");

        IReadOnlyList<string> files = ConfigurationFiles.Resolve(["/etc/x/second.json", "/etc/x/first.json"], main, dropIns);

        Assert.Equal(["/etc/x/second.json", "/etc/x/first.json"], files);
    }

    [Fact]
    public void With_neither_a_main_file_nor_drop_ins_there_is_nothing_to_read()
    {
        using var dir = new TempDirectory();

        Assert.Empty(ConfigurationFiles.Resolve([], dir["socketbridge.json"], dir["bridges.d"]));
    }
}
