using SocketBridge.Native;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Fifo;

/// <summary><c>socketbridge pipe fifo:PATH</c> (SPEC 2): stdin into a FIFO.</summary>
public sealed class FifoPipeCommandTests
{
    [Fact]
    public async Task Stdin_goes_into_the_fifo_for_its_reader()
    {
        using var dir = new TempDirectory();
        string pipe = dir["testpipe"];
        Fifos.Create(pipe, Convert.ToUInt32("600", 8));
        Task<string> reader = Task.Run(() => File.ReadAllTextAsync(pipe));

        var (exit, stdout, stderr) = await Clients.RunProgramAsync(Binary.Path, ["pipe", $"fifo:{pipe}"], "Hello, World!\nsecond line\n");

        Assert.True(exit == 0, stderr);
        Assert.Equal(string.Empty, stdout);
        Assert.Equal("Hello, World!\nsecond line\n", await Wait.ForAsync(reader, "the reader"));
    }

    [Fact]
    public async Task Without_a_reader_pipe_exits_69_with_one_line()
    {
        using var dir = new TempDirectory();
        string pipe = dir["nobody"];
        Fifos.Create(pipe, Convert.ToUInt32("600", 8));

        var (exit, _, stderr) = await Clients.RunProgramAsync(Binary.Path, ["pipe", $"fifo:{pipe}"], "lost\n", TimeSpan.FromSeconds(30));

        Assert.Equal(69, exit);
        Assert.Equal([$"socketbridge pipe: cannot reach fifo:{pipe}: no process read it within 00:00:05"], stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
