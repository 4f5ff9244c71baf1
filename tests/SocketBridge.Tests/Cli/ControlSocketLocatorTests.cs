using SocketBridge.Cli;
using SocketBridge.Configuration;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Cli;

/// <summary>
/// SPEC 2: <c>status</c> and <c>reload</c> find the control socket one way
/// (<see cref="ControlSocketLocator"/>): <c>--control</c>, else the files'
/// SocketBridge:ControlSocket, else the default; <c>status</c> loads the
/// files as run does, <c>reload</c> reads ControlSocket as written and
/// leaves the rest for the daemon to judge.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ControlSocketLocatorTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Control_given_wins_and_the_files_are_not_read()
    {
        string[] files = [_dir["missing.json"]];
        var errors = new StringWriter();

        Assert.Equal("/run/given.sock", ControlSocketLocator.FromLoadedFiles(files, "/run/given.sock", errors));
        Assert.Equal("/run/given.sock", ControlSocketLocator.FromWrittenFiles(files, "/run/given.sock"));
        Assert.Equal(string.Empty, errors.ToString());
    }

    [Fact]
    public void An_empty_control_is_not_given()
    {
        string config = Config("one.json", _dir["one/control.sock"]);

        Assert.Equal(_dir["one/control.sock"], ControlSocketLocator.FromWrittenFiles([config], string.Empty));
        Assert.Equal(_dir["one/control.sock"], ControlSocketLocator.FromLoadedFiles([config], string.Empty, new StringWriter()));
    }

    [Fact]
    public void Both_find_the_socket_of_valid_files_the_same_the_last_file_that_sets_it_winning()
    {
        string first = Config("first.json", _dir["first/control.sock"]);
        string second = Config("second.json", _dir["second/control.sock"]);
        string silent = Config("silent.json", control: null);
        var errors = new StringWriter();

        string? loaded = ControlSocketLocator.FromLoadedFiles([first, second, silent], null, errors);
        string written = ControlSocketLocator.FromWrittenFiles([first, second, silent], null);

        Assert.Equal(_dir["second/control.sock"], loaded);
        Assert.Equal(loaded, written);
        Assert.Equal(string.Empty, errors.ToString());
    }

    [Fact]
    public void Without_a_ControlSocket_in_the_files_both_find_the_default()
    {
        string config = Config("plain.json", control: null);

        Assert.Equal(DaemonOptions.DefaultControlSocket, ControlSocketLocator.FromWrittenFiles([config], null));
        Assert.Equal(DaemonOptions.DefaultControlSocket, ControlSocketLocator.FromLoadedFiles([config], null, new StringWriter()));
    }

    [Fact]
    public void Status_stops_at_the_problems_of_the_files_and_prints_them()
    {
        string config = _dir.Write("broken.json", $$"""
            { "SocketBridge": { "ControlSocket": "{{_dir["broken/control.sock"]}}" },
              "Bridges": { "web": { "Listen": "tcp:127.0.0.1:7001", "User": "root", "Exec": ["/bin/cat"], "MaxConections": 5 } } }
            """);
        var errors = new StringWriter();

        Assert.Null(ControlSocketLocator.FromLoadedFiles([config], null, errors));
        Assert.StartsWith($"{config}: Bridges:web:MaxConections: unknown key", errors.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Reload_reads_the_ControlSocket_of_files_with_problems_for_the_daemon_to_refuse_them()
    {
        string config = _dir.Write("broken.json", $$"""
            { "SocketBridge": { "ControlSocket": "{{_dir["broken/control.sock"]}}" },
              "Bridges": { "web": { "Listen": "tcp:127.0.0.1:7001", "User": "root", "Exec": ["/bin/cat"], "MaxConections": 5 } } }
            """);

        Assert.Equal(_dir["broken/control.sock"], ControlSocketLocator.FromWrittenFiles([config], null));
    }

    [Fact]
    public void Reload_passes_over_a_file_it_cannot_read_one_not_JSON_and_a_ControlSocket_that_is_not_a_string()
    {
        string set = Config("set.json", _dir["set/control.sock"]);
        string notJson = _dir.Write("not.json", "SocketBridge: { ControlSocket: /elsewhere }");
        string number = _dir.Write("number.json", """{ "SocketBridge": { "ControlSocket": 5 } }""");
        string missing = _dir["missing.json"];

        Assert.Equal(_dir["set/control.sock"], ControlSocketLocator.FromWrittenFiles([set, notJson, number, missing], null));
    }

    /// <summary>A valid configuration with one bridge, setting ControlSocket when <paramref name="control"/> is given.</summary>
    private string Config(string name, string? control)
    {
        string daemon = control is null ? string.Empty : $$"""
            "SocketBridge": { "ControlSocket": "{{control}}" },
            """;
        return _dir.Write(name, $$"""
            { {{daemon}}
              "Bridges": { "{{Path.GetFileNameWithoutExtension(name)}}": { "Listen": "unix:{{_dir[name + ".sock"]}}", "User": "root", "Exec": ["/bin/cat"] } } }
            """);
    }
}
