using System.Text;
using SocketBridge.Configuration;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Configuration;

/// <summary>
/// What a configuration file must be: a regular file of sane size, in
/// UTF-8. Anything else is one line naming the file, at once: never a hang
/// (a FIFO), a stack trace (/dev/zero) or text silently changed (bad UTF-8).
/// </summary>
public sealed class ConfigurationFileKindTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string> Commands => new() { "check", "run" };

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Dev_zero_is_refused_as_not_a_regular_file(string command)
    {
        CliResult result = await Fixtures.Cli.RunAsync([command, "-c", "/dev/zero"], Deadline);

        AssertOneLine(result, "/dev/zero: is a character device, not a configuration file (it must be a regular file)");
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task A_FIFO_is_refused_at_once_without_waiting_for_a_writer(string command)
    {
        string fifo = await MakeFifoAsync("socketbridge.json");

        CliResult result = await Fixtures.Cli.RunAsync([command, "-c", fifo], Deadline);

        AssertOneLine(result, $"{fifo}: is a FIFO, not a configuration file (it must be a regular file)");
    }

    [Fact]
    public async Task A_FIFO_among_the_drop_ins_is_refused_naming_it()
    {
        string main = _dir.Write("socketbridge.json", """{ "Bridges": { "echo": { "Listen": "tcp:127.0.0.1:7000", "User": "root", "Exec": ["/bin/cat"] } } }""");
        string dropIns = Directory.CreateDirectory(_dir["bridges.d"]).FullName;
        string fifo = await MakeFifoAsync(Path.Combine("bridges.d", "50-fifo.json"));

        Task<ConfigurationException> load = Task.Run(() => Assert.Throws<ConfigurationException>(
            () => new ConfigurationLoader().Load(ConfigurationFiles.Resolve([], main, dropIns))));
        ConfigurationException refused = await Wait.ForAsync(load, "the load to end", Deadline);

        Assert.Equal([$"{fifo}: is a FIFO, not a configuration file (it must be a regular file)"], refused.Errors.Select(e => e.ToString()));
    }

    [Fact]
    public async Task A_50_MB_file_is_refused_naming_the_size_and_the_limit()
    {
        string file = _dir["big.json"];
        await using (var writer = new StreamWriter(file))
        {
            await writer.WriteAsync("""{ "Bridges": { "big": { "Listen": "tcp:127.0.0.1:7000", "User": "root", "Exec": ["/bin/echo"], "Environment": {""");
            string value = new('x', 1000);
            for (int i = 0; i < 50_000; i++)
            {
                await writer.WriteAsync($"{(i == 0 ? "" : ",")}\"V{i}\": \"{value}\"");
            }

            await writer.WriteAsync("} } } }");
        }

        long size = new FileInfo(file).Length;
        Assert.True(size > 50_000_000);

        CliResult result = await Fixtures.Cli.RunAsync(["check", "-c", file], Deadline);

        AssertOneLine(result, $"{file}: is {size:N0} bytes; a configuration file may be at most 4 MiB (4,194,304 bytes)");
    }

    [Fact]
    public async Task Invalid_UTF_8_is_refused_naming_the_byte_offset_and_line()
    {
        byte[] head = Encoding.UTF8.GetBytes("{ \"Bridges\": {\n  \"echo\": { \"Listen\": \"tcp:127.0.0.1:7000\", \"Exec\": [\"/bin/echo\", \"caf");
        byte[] text = [.. head, 0xE9, .. "\"] } } }\n"u8];
        string file = _dir["latin1.json"];
        await File.WriteAllBytesAsync(file, text);

        CliResult result = await Fixtures.Cli.RunAsync(["check", "-c", file], Deadline);

        AssertOneLine(result, $"{file}: is not valid UTF-8: byte 0xE9 at byte offset {head.Length} (line 2) is not part of a UTF-8 character");
    }

    [Fact]
    public async Task A_lone_surrogate_escape_is_refused_naming_the_key()
    {
        string file = _dir.Write("surrogate.json", """{ "Bridges": { "echo": { "Listen": "tcp:127.0.0.1:7000", "User": "root", "Exec": ["/bin/echo", "\ud800"] } } }""");

        CliResult result = await Fixtures.Cli.RunAsync(["check", "-c", file], Deadline);

        AssertOneLine(result, $"{file}: Bridges:echo:Exec: holds a \\u escape that is not valid Unicode (half of a surrogate pair)");
    }

    [Fact]
    public async Task Control_characters_in_bridge_and_variable_names_are_printed_escaped_never_raw()
    {
        string file = _dir.Write("names.json", """
            { "Bridges": {
                "evil\u0000\u001b[31m": { "Listen": "tcp:127.0.0.1:7000", "User": "root", "Exec": ["/bin/echo"] },
                "fine": { "Listen": "tcp:127.0.0.1:7001", "User": "root", "Exec": ["/bin/echo"], "Environment": { "A\u0000B\u001b\u202e": "1" } } } }
            """);

        CliResult result = await Fixtures.Cli.RunAsync(["check", "-c", file], Deadline);

        Assert.True(result.ExitCode == 78, result.ToString());
        Assert.Contains($"{file}: Bridges:evil\\0\\x1b[31m: a bridge name must match [a-z0-9][a-z0-9._-]* (lower case)", result.StderrLines);
        Assert.Contains($"{file}: Bridges:fine:Environment:A\\0B\\x1b\\u202e: \"A\\0B\\x1b\\u202e\" is not a valid variable name", result.StderrLines);
        Assert.DoesNotContain(result.Stderr, c => c is '\0' or '\x1b' or '\u202e');
    }

    private async Task<string> MakeFifoAsync(string name)
    {
        string path = _dir[name];
        (int exit, _, string stderr) = await Clients.RunProgramAsync("mkfifo", [path]);
        Assert.True(exit == 0, stderr);
        return path;
    }

    private static void AssertOneLine(CliResult result, string line)
    {
        Assert.True(result.ExitCode == 78, result.ToString());
        Assert.Equal([line], result.StderrLines);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Stderr, StringComparison.Ordinal);
    }
}
