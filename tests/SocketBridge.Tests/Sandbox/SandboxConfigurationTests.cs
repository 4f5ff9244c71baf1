using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Sandbox;

/// <summary><c>socketbridge check</c> refuses bad limit and sandbox values, each error naming the file, the bridge and the key.</summary>
public sealed class SandboxConfigurationTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>The daemon's own limit, inherited by check from this test process (/proc/self/limits).</summary>
    private static ulong OwnHardLimit(string name)
    {
        string line = File.ReadAllLines("/proc/self/limits").Single(l => l.StartsWith(name, StringComparison.Ordinal));
        string hard = line[name.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        return hard == "unlimited" ? ulong.MaxValue : ulong.Parse(hard);
    }

    /// <summary>Whether this test process (and so check, its child) has CAP_SYS_RESOURCE in its effective set.</summary>
    private static bool HasCapSysResource()
    {
        string line = File.ReadAllLines("/proc/self/status").Single(l => l.StartsWith("CapEff:", StringComparison.Ordinal));
        return ((Convert.ToUInt64(line["CapEff:".Length..].Trim(), 16) >> 24) & 1) == 1;
    }

    [Fact]
    public async Task Every_bad_value_is_reported_with_file_bridge_and_key_and_no_stack_trace()
    {
        string config = _dir.Write("sandbox.json", """
            { "Bridges": {
                "limits": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "Exec": ["/bin/cat"],
                    "LimitNOFILE": "12Q", "LimitNPROC": "64K", "LimitAS": "5:3", "LimitDATA": "1G:2Q", "LimitCPU": "10s", "LimitCORE": true },
                "process": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "Exec": ["/bin/cat"],
                    "Nice": 25, "UMask": "0999", "RuntimeMax": "0s", "NoNewPrivileges": "yes" },
                "more": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "Exec": ["/bin/cat"],
                    "LimitNOFILE": "infinity", "Nice": -21, "UMask": "01777", "WorkingDirectory": "/tmp", "PrivateTmp": true, "PrivateNetwork": 1 } } }
            """);

        CliResult result = await Fixtures.Cli.RunAsync("check", "-c", config);

        Assert.True(result.ExitCode == 78, result.ToString());
        const string Count = "(expected a whole number, \"SOFT:HARD\", or \"infinity\", as 64 or \"64:128\")";
        const string Bytes = "(expected a number of bytes or one with K, M or G (base 1024), \"SOFT:HARD\", or \"infinity\", as \"256M\" or \"64M:128M\")";
        string[] expected =
        [
            $"{config}: Bridges:limits:LimitNOFILE: \"12Q\" is not a limit {Count}",
            $"{config}: Bridges:limits:LimitNPROC: \"64K\" is not a limit {Count}",
            $"{config}: Bridges:limits:LimitAS: \"5:3\": the soft limit is above the hard one",
            $"{config}: Bridges:limits:LimitDATA: \"1G:2Q\" is not a limit {Bytes}",
            $"{config}: Bridges:limits:LimitCPU: \"10s\" is not a limit (expected a number of CPU seconds, \"SOFT:HARD\", or \"infinity\", as 10 or \"10:15\")",
            $"{config}: Bridges:limits:LimitCORE: must be {Bytes[10..^1]}, not true",
            $"{config}: Bridges:process:Nice: must be from -20 to 19, not 25",
            $"{config}: Bridges:process:UMask: \"0999\" is not an octal mode (expected a string such as \"0660\")",
            $"{config}: Bridges:process:RuntimeMax: must be longer than zero (leave RuntimeMax out for no limit)",
            $"{config}: Bridges:process:NoNewPrivileges: must be true or false, not the string \"yes\"",
            $"{config}: Bridges:more:LimitNOFILE: \"infinity\": the kernel takes no infinite open-file limit; give a number (at most /proc/sys/fs/nr_open)",
            $"{config}: Bridges:more:Nice: must be from -20 to 19, not -21",
            $"{config}: Bridges:more:UMask: \"01777\" is larger than 0777: a umask has only permission bits",
            $"{config}: Bridges:more:PrivateNetwork: must be true or false, not the number 1",
            $"{config}: Bridges:more:PrivateTmp: hides the host's /tmp from the program, and WorkingDirectory (/tmp) is there",
        ];
        Assert.Equal(expected.Order(), result.StderrLines.Order());
        Assert.DoesNotContain("Exception", result.Stderr + result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PrivateTmp_refuses_a_program_in_the_hosts_tmp_and_var_tmp()
    {
        File.SetUnixFileMode(_dir.Path, (UnixFileMode)Convert.ToInt32("755", 8)); // so nobody may run the program
        string program = _dir.WriteScript("program", "#!/bin/sh\necho hi\n"); // the test's directory is in /tmp
        string config = _dir.Write("sandbox.json", $$"""
            { "Bridges": {
                "hidden": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "Exec": ["{{program}}"], "PrivateTmp": true },
                "vartmp": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "Exec": ["/bin/cat"], "WorkingDirectory": "/var/tmp", "PrivateTmp": true },
                "fine": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "Exec": ["{{program}}"], "PrivateTmp": false } } }
            """);

        CliResult result = await Fixtures.Cli.RunAsync("check", "-c", config);

        Assert.True(result.ExitCode == 78, result.ToString());
        Assert.Equal(
            [
                $"{config}: Bridges:hidden:PrivateTmp: hides the host's /tmp from the program, and Exec ({program}) is there",
                $"{config}: Bridges:vartmp:PrivateTmp: hides the host's /var/tmp from the program, and WorkingDirectory (/var/tmp) is there",
            ],
            result.StderrLines);
    }

    [Fact]
    public async Task The_keys_in_their_valid_forms_pass_the_check()
    {
        string config = _dir.Write("sandbox.json", """
            { "Bridges": { "all": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "Exec": ["/bin/cat"],
                "LimitNOFILE": "64:128", "LimitNPROC": 100, "LimitAS": "1G", "LimitDATA": "512M:infinity", "LimitCPU": "10:15",
                "LimitCORE": 0, "LimitFSIZE": "infinity", "LimitSTACK": "8M", "Nice": -20, "UMask": "0027", "NoNewPrivileges": false,
                "RuntimeMax": "1h", "PrivateTmp": true, "PrivateNetwork": true } } }
            """);

        CliResult result = await Fixtures.Cli.RunAsync("check", "-c", config);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(string.Empty, result.Stderr);
    }

    [Fact]
    public async Task A_hard_limit_above_the_daemons_own_is_refused_unless_the_daemon_has_CAP_SYS_RESOURCE()
    {
        ulong own = OwnHardLimit("Max open files");
        string config = _dir.Write("sandbox.json", $$"""
            { "Bridges": { "greedy": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "Exec": ["/bin/cat"], "LimitNOFILE": "1024:{{own + 1}}" } } }
            """);

        CliResult result = await Fixtures.Cli.RunAsync("check", "-c", config);

        if (HasCapSysResource())
        {
            // A daemon with CAP_SYS_RESOURCE may raise its programs' hard limits (UnprivilegedSandboxTests covers the refusal then).
            Assert.True(result.ExitCode == 0, result.ToString());
        }
        else
        {
            Assert.True(result.ExitCode == 78, result.ToString());
            Assert.Equal([$"{config}: Bridges:greedy:LimitNOFILE: the hard limit {own + 1} is above the daemon's own ({own}), which only a daemon with CAP_SYS_RESOURCE can raise"], result.StderrLines);
        }
    }
}
