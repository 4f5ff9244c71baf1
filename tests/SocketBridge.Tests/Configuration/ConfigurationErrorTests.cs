using SocketBridge.Configuration;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Configuration;

/// <summary>
/// SPEC 3 and 8: a mistake is an error, never a silent default, and its line
/// names the file, the bridge and the key: <c>FILE: Bridges:NAME:Key: message</c>.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ConfigurationErrorTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_typo_in_a_bridge_key_is_an_error_that_suggests_the_right_key()
    {
        (string file, string[] lines) = Load("""
            { "Bridges": { "web": { "Lisen": "tcp:127.0.0.1:8080", "User": "root", "Exec": ["/bin/cat"] } } }
            """);

        Assert.Contains($"{file}: Bridges:web:Lisen: unknown key (did you mean Listen?)", lines);
    }

    [Fact]
    public void An_unknown_bridge_key_is_an_error_rather_than_ignored()
    {
        (string file, string[] lines) = Load("""
            { "Bridges": { "web": { "Listen": "tcp:127.0.0.1:8080", "User": "root", "Exec": ["/bin/cat"], "Colour": "blue" } } }
            """);

        Assert.Equal([$"{file}: Bridges:web:Colour: unknown key"], lines);
    }

    [Fact]
    public void An_unknown_top_level_key_is_an_error_that_suggests_the_section()
    {
        (string file, string[] lines) = Load("""
            { "Bridge": { "web": { "Listen": "tcp:127.0.0.1:8080", "User": "root", "Exec": ["/bin/cat"] } } }
            """);

        Assert.Equal([$"{file}: Bridge: unknown key (did you mean Bridges?)"], lines);
    }

    [Fact]
    public void An_unknown_key_in_the_daemon_section_is_an_error()
    {
        (string file, string[] lines) = Load("""
            { "SocketBridge": { "ShutdownTimout": "5s" } }
            """);

        Assert.Equal([$"{file}: SocketBridge:ShutdownTimout: unknown key (did you mean ShutdownTimeout?)"], lines);
    }

    [Theory]
    [InlineData("tcp:127.0.0.1", "has no port")]
    [InlineData("tcp:127.0.0.1:99999", "invalid port")]
    [InlineData("tcp:::1:8080", "tcp:[::1]:8080")]
    [InlineData("http://127.0.0.1:8080", "unknown scheme")]
    [InlineData("unix:relative.sock", "absolute path")]
    public void A_bad_Listen_endpoint_is_an_error_on_Listen(string endpoint, string why)
    {
        (string file, string[] lines) = Load($$"""
            { "Bridges": { "web": { "Listen": "{{endpoint}}", "User": "root", "Exec": ["/bin/cat"] } } }
            """);

        string line = Assert.Single(lines);
        Assert.StartsWith($"{file}: Bridges:web:Listen: \"{endpoint}\"", line, StringComparison.Ordinal);
        Assert.Contains(why, line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_Listen_host_that_does_not_resolve_is_an_error_when_loaded()
    {
        (string file, string[] lines) = Load("""
            { "Bridges": { "web": { "Listen": "tcp:no-such-host.invalid:8080", "User": "root", "Exec": ["/bin/cat"] } } }
            """);

        string line = Assert.Single(lines);
        Assert.StartsWith($"{file}: Bridges:web:Listen: cannot resolve host \"no-such-host.invalid\"", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_Listen_that_is_not_a_string_is_an_error_saying_what_it_is()
    {
        (string file, string[] lines) = Load("""
            { "Bridges": { "web": { "Listen": 8080, "User": "root", "Exec": ["/bin/cat"] } } }
            """);

        Assert.Equal([$"{file}: Bridges:web:Listen: must be an endpoint string or an array of them, not the number 8080"], lines);
    }

    [Fact]
    public void A_missing_Listen_is_an_error_on_Listen()
    {
        (string file, string[] lines) = Load("""
            { "Bridges": { "web": { "User": "root", "Exec": ["/bin/cat"] } } }
            """);

        string line = Assert.Single(lines);
        Assert.StartsWith($"{file}: Bridges:web:Listen: is required", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_spawn_bridge_without_Exec_is_an_error_on_Exec()
    {
        (string file, string[] lines) = Load("""
            { "Bridges": { "web": { "Listen": "tcp:127.0.0.1:8080", "User": "root" } } }
            """);

        string line = Assert.Single(lines);
        Assert.StartsWith($"{file}: Bridges:web:Exec: is required in spawn mode", line, StringComparison.Ordinal);
    }

    [Fact]
    public void An_Exec_program_that_does_not_exist_is_an_error_naming_the_path()
    {
        string program = _dir["no-such-program"];
        (string file, string[] lines) = Load($$"""
            { "Bridges": { "web": { "Listen": "tcp:127.0.0.1:8080", "User": "root", "Exec": ["{{program}}", "--flag"] } } }
            """);

        Assert.Equal([$"{file}: Bridges:web:Exec: {program} does not exist"], lines);
    }

    [Fact]
    public void An_Exec_name_not_found_in_PATH_is_an_error_on_Exec()
    {
        (string file, string[] lines) = Load("""
            { "Bridges": { "web": { "Listen": "tcp:127.0.0.1:8080", "User": "root", "Exec": ["sbt-no-such-program"] } } }
            """);

        string line = Assert.Single(lines);
        Assert.StartsWith($"{file}: Bridges:web:Exec: \"sbt-no-such-program\" was not found in PATH", line, StringComparison.Ordinal);
    }

    [Fact]
    public void An_Exec_program_without_execute_permission_is_an_error_when_loaded()
    {
        string program = _dir.Write("not-executable.sh", "#!/bin/sh\nexec cat\n");
        File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        (string file, string[] lines) = Load($$"""
            { "Bridges": { "web": { "Listen": "tcp:127.0.0.1:8080", "User": "root", "Exec": ["{{program}}"] } } }
            """);

        Assert.Equal([$"{file}: Bridges:web:Exec: {program} is not executable"], lines);
    }

    [Fact]
    public void An_Exec_directory_is_an_error_rather_than_a_failed_launch_later()
    {
        (string file, string[] lines) = Load($$"""
            { "Bridges": { "web": { "Listen": "tcp:127.0.0.1:8080", "User": "root", "Exec": ["{{_dir.Path}}"] } } }
            """);

        Assert.Equal([$"{file}: Bridges:web:Exec: {_dir.Path} is a directory, not a program"], lines);
    }

    [Fact]
    public void An_Exec_given_as_a_string_is_an_error_showing_the_array_form()
    {
        (string file, string[] lines) = Load("""
            { "Bridges": { "web": { "Listen": "tcp:127.0.0.1:8080", "User": "root", "Exec": "/bin/cat -u" } } }
            """);

        Assert.Equal([$"{file}: Bridges:web:Exec: must be an argv array, as [\"/bin/cat -u\"], not a string"], lines);
    }

    [Theory]
    [InlineData("bin/cat")]
    [InlineData("./cat")]
    [InlineData("../bin/cat")]
    public void An_Exec_relative_path_is_an_error_asking_for_an_absolute_path(string program)
    {
        (string file, string[] lines) = Load($$"""
            { "Bridges": { "web": { "Listen": "tcp:127.0.0.1:8080", "User": "root", "Exec": ["{{program}}"] } } }
            """);

        Assert.Equal([$"{file}: Bridges:web:Exec: \"{program}\" must be an absolute path or a name found in PATH"], lines);
    }

    [Fact]
    public void An_empty_Exec_array_is_an_error()
    {
        (string file, string[] lines) = Load("""
            { "Bridges": { "web": { "Listen": "tcp:127.0.0.1:8080", "User": "root", "Exec": [] } } }
            """);

        string line = Assert.Single(lines);
        Assert.StartsWith($"{file}: Bridges:web:Exec: must name a program", line, StringComparison.Ordinal);
    }

    [Fact]
    public void An_Exec_argument_that_is_not_a_string_is_an_error_naming_its_position()
    {
        (string file, string[] lines) = Load("""
            { "Bridges": { "web": { "Listen": "tcp:127.0.0.1:8080", "User": "root", "Exec": ["/bin/sleep", 5] } } }
            """);

        Assert.Equal([$"{file}: Bridges:web:Exec: element 1 must be a string, not the number 5"], lines);
    }

    [Theory]
    [InlineData("10", "needs a unit")]
    [InlineData("ten seconds", "is not a duration")]
    [InlineData("5 fortnights", "unknown unit \"fortnights\"")]
    public void A_bad_ShutdownTimeout_is_an_error_on_that_key(string value, string why)
    {
        (string file, string[] lines) = Load($$"""
            { "SocketBridge": { "ShutdownTimeout": "{{value}}" } }
            """);

        string line = Assert.Single(lines);
        Assert.StartsWith($"{file}: SocketBridge:ShutdownTimeout: ", line, StringComparison.Ordinal);
        Assert.Contains(why, line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_ShutdownTimeout_given_as_a_number_is_an_error()
    {
        (string file, string[] lines) = Load("""
            { "SocketBridge": { "ShutdownTimeout": 10 } }
            """);

        Assert.Equal([$"{file}: SocketBridge:ShutdownTimeout: must be a string, not the number 10"], lines);
    }

    [Fact]
    public void An_unknown_LogLevel_is_an_error_listing_the_levels()
    {
        (string file, string[] lines) = Load("""
            { "SocketBridge": { "LogLevel": "Verbose" } }
            """);

        string line = Assert.Single(lines);
        Assert.StartsWith($"{file}: SocketBridge:LogLevel: \"Verbose\" is not a level", line, StringComparison.Ordinal);
        Assert.Contains("Information", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_relative_ControlSocket_is_an_error()
    {
        (string file, string[] lines) = Load("""
            { "SocketBridge": { "ControlSocket": "control.sock" } }
            """);

        Assert.Equal([$"{file}: SocketBridge:ControlSocket: \"control.sock\" must be an absolute path"], lines);
    }

    [Theory]
    [InlineData("999")]
    [InlineData("0o660")]
    [InlineData("rw-rw----")]
    public void A_SocketMode_that_is_not_octal_is_an_error_on_SocketMode(string mode)
    {
        (string file, string[] lines) = Load($$"""
            { "Bridges": { "web": { "Listen": "unix:{{_dir["web.sock"]}}", "User": "root", "Exec": ["/bin/cat"], "SocketMode": "{{mode}}" } } }
            """);

        Assert.Equal([$"{file}: Bridges:web:SocketMode: \"{mode}\" is not an octal mode (expected a string such as \"0660\")"], lines);
    }

    [Fact]
    public void A_SocketMode_written_as_a_JSON_number_is_one_error_that_shows_the_string_form()
    {
        // 660 as a number would be 01224 if taken as decimal: it must be refused, once, with the fix.
        (string file, string[] lines) = Load($$"""
            { "Bridges": { "web": { "Listen": "unix:{{_dir["web.sock"]}}", "User": "root", "Exec": ["/bin/cat"], "SocketMode": 660 } } }
            """);

        string line = Assert.Single(lines);
        Assert.StartsWith($"{file}: Bridges:web:SocketMode: ", line, StringComparison.Ordinal);
        Assert.Contains("\"0660\"", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SocketMode", "\"0600\"")]
    [InlineData("SocketUser", "\"root\"")]
    [InlineData("SocketGroup", "\"root\"")]
    public void A_socket_file_option_on_a_tcp_endpoint_is_an_error_as_there_is_no_file(string key, string value)
    {
        (string file, string[] lines) = Load($$"""
            { "Bridges": { "web": { "Listen": "tcp:127.0.0.1:8080", "User": "root", "Exec": ["/bin/cat"], "{{key}}": {{value}} } } }
            """);

        Assert.Equal([$"{file}: Bridges:web:{key}: only applies to a unix:/path or fifo: endpoint, not tcp:127.0.0.1:8080"], lines);
    }

    [Fact]
    public void A_SocketMode_on_an_abstract_socket_is_an_error_as_there_is_no_file()
    {
        (string file, string[] lines) = Load("""
            { "Bridges": { "web": { "Listen": "unix:@sbt-web", "User": "root", "Exec": ["/bin/cat"], "SocketMode": "0600" } } }
            """);

        Assert.Equal([$"{file}: Bridges:web:SocketMode: only applies to a unix:/path or fifo: endpoint, not unix:@sbt-web"], lines);
    }

    [Fact]
    public void An_unknown_User_is_an_error_on_User()
    {
        (string file, string[] lines) = Load("""
            { "Bridges": { "web": { "Listen": "tcp:127.0.0.1:8080", "Exec": ["/bin/cat"], "User": "sbt-no-such-user" } } }
            """);

        Assert.Equal([$"{file}: Bridges:web:User: there is no user \"sbt-no-such-user\""], lines);
    }

    [Fact]
    public void An_unknown_Group_is_an_error_on_Group()
    {
        (string file, string[] lines) = Load("""
            { "Bridges": { "web": { "Listen": "tcp:127.0.0.1:8080", "User": "root", "Exec": ["/bin/cat"], "Group": "sbt-no-such-group" } } }
            """);

        Assert.Equal([$"{file}: Bridges:web:Group: there is no group \"sbt-no-such-group\""], lines);
    }

    [Fact]
    public void An_unknown_SocketUser_is_an_error_on_SocketUser()
    {
        (string file, string[] lines) = Load($$"""
            { "Bridges": { "web": { "Listen": "unix:{{_dir["web.sock"]}}", "User": "root", "Exec": ["/bin/cat"], "SocketUser": "sbt-no-such-user" } } }
            """);

        Assert.Equal([$"{file}: Bridges:web:SocketUser: there is no user \"sbt-no-such-user\""], lines);
    }

    [Fact]
    public void An_unknown_SocketGroup_is_an_error_on_SocketGroup()
    {
        (string file, string[] lines) = Load($$"""
            { "Bridges": { "web": { "Listen": "unix:{{_dir["web.sock"]}}", "User": "root", "Exec": ["/bin/cat"], "SocketGroup": "sbt-no-such-group" } } }
            """);

        Assert.Equal([$"{file}: Bridges:web:SocketGroup: there is no group \"sbt-no-such-group\""], lines);
    }

    [Theory]
    [InlineData("Web")]
    [InlineData("-web")]
    [InlineData("my web")]
    [InlineData("web/1")]
    [InlineData("_web")]
    public void A_bridge_name_outside_lower_case_letters_digits_dot_dash_and_underscore_is_an_error(string name)
    {
        (string file, string[] lines) = Load($$"""
            { "Bridges": { "{{name}}": { "Listen": "tcp:127.0.0.1:8080", "User": "root", "Exec": ["/bin/cat"] } } }
            """);

        Assert.Equal([$"{file}: Bridges:{name}: a bridge name must match [a-z0-9][a-z0-9._-]* (lower case)"], lines);
    }

    [Fact]
    public void An_upper_case_bridge_name_is_an_error_even_beside_its_lower_case_twin()
    {
        // "Web" is not a valid name; it must not silently merge into "web" and move it to another port.
        (string file, string[] lines) = Load("""
            {
              "Bridges": {
                "web": { "Listen": "tcp:127.0.0.1:8080", "User": "root", "Exec": ["/bin/cat"] },
                "Web": { "Listen": "tcp:127.0.0.1:9090" }
              }
            }
            """);

        Assert.Contains($"{file}: Bridges:Web: a bridge name must match [a-z0-9][a-z0-9._-]* (lower case)", lines);
    }

    [Fact]
    public void A_bridge_that_is_not_an_object_is_an_error_on_the_bridge()
    {
        (string file, string[] lines) = Load("""
            { "Bridges": { "web": "tcp:127.0.0.1:8080" } }
            """);

        Assert.Equal([$"{file}: Bridges:web: must be an object of bridge keys, not the string \"tcp:127.0.0.1:8080\""], lines);
    }

    [Fact]
    public void Bridges_given_as_an_array_is_an_error_on_Bridges()
    {
        (string file, string[] lines) = Load("""
            { "Bridges": [ { "Listen": "tcp:127.0.0.1:8080", "User": "root", "Exec": ["/bin/cat"] } ] }
            """);

        Assert.Equal([$"{file}: Bridges: must be an object keyed by bridge name, not an array"], lines);
    }

    [Fact]
    public void Invalid_JSON_is_an_error_naming_the_file_and_the_line()
    {
        string file = _dir.Write("config.json", "{\n  \"Bridges\": {\n    \"web\": {\n      \"Listen\": \"tcp:127.0.0.1:8080\"\n      \"User\": \"root\", \"Exec\": [\"/bin/cat\"]\n    }\n  }\n}\n");

        string line = Assert.Single(ConfigurationErrors.Lines(file));

        Assert.StartsWith($"{file}: is not valid JSON at line 5,", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_JSON_in_a_drop_in_names_the_drop_in()
    {
        string main = _dir.Write("main.json", """{ "Bridges": { "web": { "Listen": "tcp:127.0.0.1:8080", "User": "root", "Exec": ["/bin/cat"] } } }""");
        string dropIn = _dir.Write("broken.json", "{ \"Bridges\": { \"web\": { \"Backlog\": 16, } }\n");

        string line = Assert.Single(ConfigurationErrors.Lines(main, dropIn));

        Assert.StartsWith($"{dropIn}: is not valid JSON at line 2,", line, StringComparison.Ordinal);
    }

    [Fact]
    public void An_invalid_JSON_error_is_one_line_and_does_not_echo_the_rest_of_the_file()
    {
        string file = _dir.Write("config.json", """
            {
              "Bridges": {
                "web": { "Listen": tcp:127.0.0.1:8080, "User": "root", "Exec": ["/bin/cat"] },
                "db": { "Listen": "tcp:127.0.0.1:8081", "User": "root", "Exec": ["/bin/cat"], "Environment": { "DB_PASSWORD": "hunter2" } }
              }
            }
            """);

        var ex = Assert.Throws<ConfigurationException>(() => new ConfigurationLoader().Load([file]));

        ConfigurationError error = Assert.Single(ex.Errors);
        Assert.Equal(file, error.File);
        Assert.StartsWith("is not valid JSON at line 3,", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_written_twice_in_one_file_is_an_error_not_a_silent_last_wins()
    {
        string file = _dir.Write("twice.json", """
            { "Bridges": { "twice": { "Listen": "tcp:127.0.0.1:7001", "Listen": "tcp:127.0.0.1:7002", "User": "root", "Exec": ["/bin/cat"] } } }
            """);

        string line = Assert.Single(ConfigurationErrors.Lines(file));

        Assert.Equal($"{file}: is not valid JSON: Duplicate property 'Listen' encountered during deserialization", line);
    }

    [Fact]
    public void A_directory_given_as_a_configuration_file_is_reported_as_a_directory()
    {
        string line = Assert.Single(ConfigurationErrors.Lines(_dir.Path));

        Assert.StartsWith($"{_dir.Path}: ", line, StringComparison.Ordinal);
        Assert.Contains("directory", line, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_file_is_an_error_naming_the_file()
    {
        string file = _dir.Write("config.json", string.Empty);

        string line = Assert.Single(ConfigurationErrors.Lines(file));

        Assert.StartsWith($"{file}: is not valid JSON at line 1,", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_a_JSON_object_is_an_error_naming_the_file()
    {
        (string file, string[] lines) = Load("""[ "Bridges" ]""");

        Assert.Equal([$"{file}: must hold a JSON object with SocketBridge and Bridges, not an array"], lines);
    }

    [Theory]
    [InlineData("LISTEN_PID")]
    [InlineData("LISTEN_FDS")]
    [InlineData("UPSTART_JOB")]
    [InlineData("REMOTE_ADDR")]
    [InlineData("SOCKETBRIDGE_BRIDGE")]
    [InlineData("FIFO_PATH")]
    public void A_variable_socketbridge_sets_itself_is_an_error_in_Environment(string name)
    {
        (string file, string[] lines) = Load($$"""
            { "Bridges": { "web": { "Listen": "tcp:127.0.0.1:8080", "User": "root", "Exec": ["/bin/cat"], "Environment": { "{{name}}": "1" } } } }
            """);

        Assert.Equal([$"{file}: Bridges:web:Environment:{name}: {name} is set by socketbridge itself for every launched program"], lines);
    }

    [Fact]
    public void A_variable_socketbridge_sets_itself_is_an_error_in_PassEnvironment()
    {
        (string file, string[] lines) = Load("""
            { "Bridges": { "web": { "Listen": "tcp:127.0.0.1:8080", "User": "root", "Exec": ["/bin/cat"], "PassEnvironment": ["HOME", "LISTEN_FDS"] } } }
            """);

        Assert.Equal([$"{file}: Bridges:web:PassEnvironment: LISTEN_FDS is set by socketbridge itself for every launched program"], lines);
    }

    [Fact]
    public void An_Environment_value_that_is_not_a_string_is_an_error_on_that_variable()
    {
        (string file, string[] lines) = Load("""
            { "Bridges": { "web": { "Listen": "tcp:127.0.0.1:8080", "User": "root", "Exec": ["/bin/cat"], "Environment": { "WORKERS": 4 } } } }
            """);

        Assert.Equal([$"{file}: Bridges:web:Environment:WORKERS: must be a string, not the number 4"], lines);
    }

    [Theory]
    [InlineData("0", "must be from 1 to 65535, not 0")]
    [InlineData("-1", "must be from 1 to 65535, not -1")]
    [InlineData("65536", "must be from 1 to 65535, not 65536")]
    [InlineData("1.5", "must be a whole number from 1 to 65535, not the number 1.5")]
    [InlineData("\"4096\"", "must be a whole number from 1 to 65535, not the string \"4096\"")]
    public void A_Backlog_out_of_range_or_of_the_wrong_type_is_an_error_on_Backlog(string value, string message)
    {
        (string file, string[] lines) = Load($$"""
            { "Bridges": { "web": { "Listen": "tcp:127.0.0.1:8080", "User": "root", "Exec": ["/bin/cat"], "Backlog": {{value}} } } }
            """);

        Assert.Equal([$"{file}: Bridges:web:Backlog: {message}"], lines);
    }

    [Fact]
    public void A_MaxConnections_of_zero_is_an_error()
    {
        (string file, string[] lines) = Load("""
            { "Bridges": { "web": { "Listen": "tcp:127.0.0.1:8080", "User": "root", "Exec": ["/bin/cat"], "MaxConnections": 0 } } }
            """);

        string line = Assert.Single(lines);
        Assert.StartsWith($"{file}: Bridges:web:MaxConnections: must be from 1 to ", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("KeepAlive", "\"true\"", "the string \"true\"")]
    [InlineData("NoDelay", "\"false\"", "the string \"false\"")]
    [InlineData("KeepAlive", "1", "the number 1")]
    [InlineData("NoDelay", "null", "null")]
    public void A_boolean_given_as_anything_but_true_or_false_is_an_error(string key, string value, string described)
    {
        (string file, string[] lines) = Load($$"""
            { "Bridges": { "web": { "Listen": "tcp:127.0.0.1:8080", "User": "root", "Exec": ["/bin/cat"], "{{key}}": {{value}} } } }
            """);

        Assert.Equal([$"{file}: Bridges:web:{key}: must be true or false, not {described}"], lines);
    }

    [Fact]
    public void An_unknown_Mode_is_an_error_listing_the_modes()
    {
        (string file, string[] lines) = Load("""
            { "Bridges": { "web": { "Listen": "tcp:127.0.0.1:8080", "User": "root", "Exec": ["/bin/cat"], "Mode": "nowait" } } }
            """);

        Assert.Equal([$"{file}: Bridges:web:Mode: \"nowait\" is not a mode (expected spawn, handoff or forward)"], lines);
    }

    [Fact]
    public void An_unknown_StandardError_is_an_error_listing_the_choices()
    {
        (string file, string[] lines) = Load("""
            { "Bridges": { "web": { "Listen": "tcp:127.0.0.1:8080", "User": "root", "Exec": ["/bin/cat"], "StandardError": "syslog" } } }
            """);

        Assert.Equal([$"{file}: Bridges:web:StandardError: \"syslog\" is not one of journal, socket or null"], lines);
    }

    [Fact]
    public void A_WorkingDirectory_that_does_not_exist_is_an_error()
    {
        string missing = _dir["no-such-directory"];
        (string file, string[] lines) = Load($$"""
            { "Bridges": { "web": { "Listen": "tcp:127.0.0.1:8080", "User": "root", "Exec": ["/bin/cat"], "WorkingDirectory": "{{missing}}" } } }
            """);

        Assert.Equal([$"{file}: Bridges:web:WorkingDirectory: {missing} is not an existing directory"], lines);
    }

    [Fact]
    public void Three_mistakes_give_three_lines_at_once()
    {
        (string file, string[] lines) = Load("""
            {
              "SocketBridge": { "ShutdownTimeout": "10" },
              "Bridges": {
                "web": { "Listen": "tcp:127.0.0.1:8080", "User": "root", "Exec": ["/bin/cat"], "Backlog": 0 },
                "echo": { "Listen": "tcp:127.0.0.1:8081", "User": "root", "Exec": ["/bin/cat"], "KeepAlive": "yes" }
              }
            }
            """);

        Assert.Equal(3, lines.Length);
        Assert.Single(lines, l => l.StartsWith($"{file}: SocketBridge:ShutdownTimeout: ", StringComparison.Ordinal));
        Assert.Single(lines, l => l.StartsWith($"{file}: Bridges:web:Backlog: ", StringComparison.Ordinal));
        Assert.Single(lines, l => l.StartsWith($"{file}: Bridges:echo:KeepAlive: ", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_mistake_in_every_bridge_is_reported_in_one_pass()
    {
        (string file, string[] lines) = Load($$"""
            {
              "Bridges": {
                "one": { "Listen": "tcp:127.0.0.1", "User": "root", "Exec": "cat", "NoDelay": "no" },
                "two": { "Listen": "unix:{{_dir["two.sock"]}}", "Exec": ["/bin/cat"], "SocketMode": "999", "User": "sbt-no-such-user", "Colour": "red" }
              }
            }
            """);

        string[] keys = lines.Select(l => l[(file.Length + 2)..l.IndexOf(": ", file.Length + 2, StringComparison.Ordinal)]).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(
            ["Bridges:one:Exec", "Bridges:one:Listen", "Bridges:one:NoDelay", "Bridges:two:Colour", "Bridges:two:SocketMode", "Bridges:two:User"],
            keys);
    }

    private (string File, string[] Lines) Load(string json)
    {
        string file = _dir.Write("config.json", json);
        return (file, ConfigurationErrors.Lines(file));
    }
}
