using SocketBridge.Import;

namespace SocketBridge.Tests.Import;

/// <summary>What an Upstart socket job becomes: a handoff bridge, and a note for every stanza that has no equivalent.</summary>
[Trait("Category", "Unit")]
public sealed class UpstartImporterTests
{
    /// <summary>The note for a job without setuid, written with "User": "root".</summary>
    private static string RootNote(string file) => $"{file}: User: \"root\", as Upstart ran the job without setuid; {ImportNote.LessPrivileged}";

    [Fact]
    public void A_socket_job_becomes_a_handoff_bridge_with_its_program_user_group_directory_and_environment()
    {
        ImportedJob job = UpstartImporter.Translate("/etc/init/web.conf", """
            description "a web server"
            author "someone"
            start on socket PROTO=inet PORT=80 ADDR=127.0.0.1
            setuid www-data
            setgid www-data
            chdir /srv/www
            env LANG=C.UTF-8
            env GREETING="hello world"
            env HOME
            export GREETING
            console log
            exec /usr/sbin/tinyweb --root /srv/www
            """);

        Assert.Empty(job.Notes);
        ImportedBridge bridge = Assert.Single(job.Bridges);
        Assert.Equal("web", bridge.Name);
        Assert.Equal("tcp:127.0.0.1:80", bridge.Listen);
        Assert.Equal("handoff", bridge.Mode);
        Assert.Equal(["/usr/sbin/tinyweb", "--root", "/srv/www"], bridge.Exec);
        Assert.Equal(("www-data", "www-data", "/srv/www"), (bridge.User, bridge.Group, bridge.WorkingDirectory));
        Assert.Equal([new("LANG", "C.UTF-8"), new("GREETING", "hello world")], bridge.Environment);
        Assert.Equal(["HOME"], bridge.PassEnvironment);
    }

    [Fact]
    public void A_script_block_runs_under_sh_e_as_Upstart_ran_it()
    {
        ImportedJob job = UpstartImporter.Translate("pg.conf", """
            start on socket PROTO=unix SOCKET_PATH=/var/run/.s.pgsql.1234
            script
              . /etc/default/pg
              exec /usr/bin/pg-handler $OPTS
            end script
            """);

        ImportedBridge bridge = Assert.Single(job.Bridges);
        Assert.Equal("unix:/var/run/.s.pgsql.1234", bridge.Listen);
        Assert.Equal(["/bin/sh", "-e", "-c", "  . /etc/default/pg\n  exec /usr/bin/pg-handler $OPTS"], bridge.Exec);
    }

    [Fact]
    public void Every_stanza_without_an_equivalent_is_reported_once_with_its_file_and_line()
    {
        ImportedJob job = UpstartImporter.Translate("job.conf", """
            start on socket PROTO=inet PORT=8080
            stop on runlevel [!2345]
            respawn
            respawn limit 10 5
            task
            expect fork
            limit memlock 65536 65536
            umask 022
            nice 5
            oom score -100
            kill timeout 30
            pre-start script
              mkdir -p /run/job
            end script
            post-stop exec rm -rf /run/job
            console output
            frobnicate yes
            exec /usr/bin/job
            """);

        Assert.Single(job.Bridges);
        Assert.Equal(
        [
            "job.conf:2: stop on", "job.conf:3: respawn", "job.conf:4: respawn limit", "job.conf:5: task", "job.conf:6: expect",
            "job.conf:7: limit memlock", "job.conf:10: oom score", "job.conf:11: kill timeout",
            "job.conf:12: pre-start script", "job.conf:15: post-stop exec", "job.conf:16: console output", "job.conf:17: frobnicate",
        ],
            job.Notes.SkipLast(1).Select(n => n.ToString().Split(": not translated: ")[0]));
        Assert.All(job.Notes.SkipLast(1), n => Assert.Matches(": not translated: .{10,}", n.ToString()));
        Assert.Equal(RootNote("job.conf"), job.Notes[^1].ToString());
        Assert.Contains("ShutdownTimeout", job.Notes.Single(n => n.Subject == "kill timeout").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Umask_nice_and_limit_become_UMask_Nice_and_Limit_keys_with_soft_and_hard()
    {
        ImportedJob job = UpstartImporter.Translate("job.conf", """
            start on socket PROTO=inet PORT=8080
            setuid nobody
            umask 027
            nice -5
            limit nofile 4096 4096
            limit nproc 64 128
            limit as unlimited unlimited
            limit data 1073741824 unlimited
            limit cpu 10 15
            limit core 0 0
            limit fsize 1099511627776 1099511627776
            limit stack 8388608 16777216
            exec /usr/bin/job
            """);

        Assert.Empty(job.Notes);
        ImportedBridge bridge = Assert.Single(job.Bridges);
        Assert.Equal(("0027", -5), (bridge.UMask, bridge.Nice));
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["LimitNOFILE"] = "4096", ["LimitNPROC"] = "64:128", ["LimitAS"] = "infinity", ["LimitDATA"] = "1G:infinity",
                ["LimitCPU"] = "10:15", ["LimitCORE"] = "0", ["LimitFSIZE"] = "1024G", ["LimitSTACK"] = "8M:16M",
            },
            bridge.Limits);
    }

    [Fact]
    public void Resources_without_a_Limit_key_are_reported_each_with_what_to_do()
    {
        ImportedJob job = UpstartImporter.Translate("job.conf", """
            start on socket PROTO=inet PORT=8080
            setuid nobody
            limit memlock 65536 65536
            limit msgqueue 819200 819200
            limit nice 0 0
            limit rtprio 0 0
            limit sigpending 100 100
            limit rss 1000 unlimited
            exec /usr/bin/job
            """);

        Assert.Empty(Assert.Single(job.Bridges).Limits);
        Assert.Equal(
        [
            "job.conf:3: limit memlock: not translated: socketbridge has no key for RLIMIT_MEMLOCK: the program gets socketbridge's own; set it with prlimit --memlock=SOFT:HARD in Exec",
            "job.conf:4: limit msgqueue: not translated: socketbridge has no key for RLIMIT_MSGQUEUE: the program gets socketbridge's own; set it with prlimit --msgqueue=SOFT:HARD in Exec",
            "job.conf:5: limit nice: not translated: socketbridge has no key for RLIMIT_NICE: the program gets socketbridge's own; set it with prlimit --nice=SOFT:HARD in Exec",
            "job.conf:6: limit rtprio: not translated: socketbridge has no key for RLIMIT_RTPRIO: the program gets socketbridge's own; set it with prlimit --rtprio=SOFT:HARD in Exec",
            "job.conf:7: limit sigpending: not translated: socketbridge has no key for RLIMIT_SIGPENDING: the program gets socketbridge's own; set it with prlimit --sigpending=SOFT:HARD in Exec",
            "job.conf:8: limit rss: not translated: Linux ignores RLIMIT_RSS (since 2.4.30), so the limit had no effect under Upstart either and there is nothing to translate; to bound memory, use LimitAS or LimitDATA",
        ],
            job.Notes.Select(n => n.ToString()));
    }

    [Theory]
    [InlineData("limit nofile unlimited unlimited", "limit nofile: not translated: LimitNOFILE \"infinity\": the kernel takes no infinite open-file limit")]
    [InlineData("limit nproc 10 5", "limit nproc: not translated: LimitNPROC \"10:5\": the soft limit is above the hard one")]
    [InlineData("limit stack 1K 2K", "limit stack: not translated: takes two numbers, or unlimited")]
    [InlineData("limit cpu -1 10", "limit cpu: not translated: takes two numbers, or unlimited")]
    [InlineData("limit nofile 1024", "limit: not translated: takes a resource, a soft and a hard limit (limit nofile 1024 4096)")]
    [InlineData("limit files 1024 1024", "limit: not translated: files is not a resource Upstart knows (as, core, cpu, data, fsize, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, sigpending, stack)")]
    [InlineData("umask 0999", "umask: not translated: takes an octal umask from 0 to 0777")]
    [InlineData("umask 1777", "umask: not translated: takes an octal umask from 0 to 0777")]
    [InlineData("nice 20", "nice: not translated: takes a nice value from -20 to 19")]
    [InlineData("nice high", "nice: not translated: takes a nice value from -20 to 19")]
    public void A_value_that_cannot_be_translated_is_left_out_with_a_note_saying_why(string stanza, string note)
    {
        ImportedJob job = UpstartImporter.Translate("job.conf", $"start on socket PROTO=inet PORT=8080\nsetuid nobody\n{stanza}\nexec /usr/bin/job\n");

        ImportedBridge bridge = Assert.Single(job.Bridges);
        Assert.Empty(bridge.Limits);
        Assert.Equal((null, null), (bridge.UMask, bridge.Nice));
        Assert.StartsWith($"job.conf:3: {note}", Assert.Single(job.Notes).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_later_limit_for_the_same_resource_replaces_the_earlier_one_as_in_Upstart()
    {
        ImportedJob job = UpstartImporter.Translate(
            "/etc/init/job.conf",
            "start on socket PROTO=inet PORT=8080\nsetuid nobody\nlimit nofile 1024 1024\nlimit core 0 0\nnice 5\nexec /usr/bin/job\n",
            "/etc/init/job.override",
            "limit nofile 2048 4096\nnice 10\n");

        ImportedBridge bridge = Assert.Single(job.Bridges);
        Assert.Equal(new Dictionary<string, string> { ["LimitNOFILE"] = "2048:4096", ["LimitCORE"] = "0" }, bridge.Limits);
        Assert.Equal(10, bridge.Nice);
        Assert.Equal(
        [
            "/etc/init/job.conf:3: limit: not translated: replaced by the limit at /etc/init/job.override:1",
            "/etc/init/job.conf:5: nice: not translated: replaced by the nice at /etc/init/job.override:2",
        ],
            job.Notes.Select(n => n.ToString()));
    }

    [Fact]
    public void A_socket_event_combined_with_other_events_is_translated_and_the_other_events_reported()
    {
        ImportedJob job = UpstartImporter.Translate("job.conf", """
            start on (socket PROTO=inet PORT=8080 ADDR=127.0.0.1
                      and started dbus)
            exec /usr/bin/job
            """);

        Assert.Equal("tcp:127.0.0.1:8080", Assert.Single(job.Bridges).Listen);
        Assert.Equal(
            ["job.conf:1: start on: not translated: started dbus: the bridge starts the program when a connection is pending, whatever else happened", RootNote("job.conf")],
            job.Notes.Select(n => n.ToString()));
    }

    [Fact]
    public void Two_socket_events_become_two_bridges()
    {
        ImportedJob job = UpstartImporter.Translate("dual.conf", """
            start on socket PROTO=inet PORT=80 ADDR=127.0.0.1 or socket PROTO=inet6 PORT=80 ADDR=::1
            exec /usr/bin/job
            """);

        Assert.Equal([("dual", "tcp:127.0.0.1:80", "root"), ("dual-2", "tcp:[::1]:80", "root")], job.Bridges.Select(b => (b.Name, b.Listen, b.User)));
        Assert.Equal(2, job.Notes.Count);
        Assert.Contains("2 bridges (dual, dual-2)", job.Notes[0].Message, StringComparison.Ordinal);
        Assert.Equal(RootNote("dual.conf"), job.Notes[1].ToString());
    }

    [Fact]
    public void The_older_PATH_spelling_is_translated_with_a_note_that_the_program_gets_SOCKET_PATH()
    {
        ImportedJob job = UpstartImporter.Translate("old.conf", "start on socket PROTO=unix PATH=/var/run/old.sock\nexec /usr/bin/old\n");

        Assert.Equal("unix:/var/run/old.sock", Assert.Single(job.Bridges).Listen);
        Assert.Equal(2, job.Notes.Count);
        Assert.Contains("SOCKET_PATH", job.Notes[0].Message, StringComparison.Ordinal);
        Assert.Equal(RootNote("old.conf"), job.Notes[1].ToString());
    }

    [Fact]
    public void A_job_that_does_not_start_on_a_socket_is_skipped_with_one_line_saying_so()
    {
        ImportedJob job = UpstartImporter.Translate("cron.conf", """
            start on runlevel [2345]
            respawn
            exec /usr/sbin/cron -f
            """);

        Assert.False(job.Translated);
        Assert.Equal("cron.conf: skipped: not a socket job (start on runlevel [2345])", Assert.Single(job.Notes).ToString());
    }

    [Theory]
    [InlineData("exec /usr/bin/x\n", "cron.conf: skipped: no start on socket stanza: not a socket job")]
    [InlineData("start on socket PROTO=inet PORT=80\n", "cron.conf: skipped: nothing to run: no exec or script stanza")]
    [InlineData("start on socket PROTO=inet PORT=http\nexec /usr/bin/x\n", "cron.conf: skipped: none of its socket events can be translated")]
    [InlineData("start on socket PROTO=inet PORT=80\nexec /usr/bin/x 'open\n", "cron.conf: skipped: nothing to run")]
    public void A_job_that_cannot_be_translated_is_skipped_saying_why(string text, string last)
    {
        ImportedJob job = UpstartImporter.Translate("cron.conf", text);

        Assert.False(job.Translated);
        Assert.Equal(last, job.Notes[^1].ToString());
    }

    [Fact]
    public void Environment_the_daemon_sets_itself_is_reported_and_a_later_env_wins()
    {
        ImportedJob job = UpstartImporter.Translate("job.conf", """
            start on socket PROTO=inet PORT=8080
            env PORT=8080
            env MODE=slow
            env MODE=fast
            env two words
            exec /usr/bin/job
            """);

        Assert.Equal([new("MODE", "fast")], Assert.Single(job.Bridges).Environment);
        Assert.Equal(
        [
            "job.conf:2: env: not translated: PORT is set by socketbridge itself for every program",
            "job.conf:5: env: not translated: takes one KEY=VALUE word, not 2 (quote a value with blanks)",
            RootNote("job.conf"),
        ],
            job.Notes.Select(n => n.ToString()));
    }

    [Fact]
    public void An_override_file_replaces_the_stanzas_it_repeats_and_its_own_lines_are_named()
    {
        ImportedJob job = UpstartImporter.Translate(
            "/etc/init/job.conf",
            "start on socket PROTO=inet PORT=8080\nexec /usr/bin/job\n",
            "/etc/init/job.override",
            "exec /usr/bin/job --verbose\nmanual\n");

        Assert.Equal(["/usr/bin/job", "--verbose"], Assert.Single(job.Bridges).Exec);
        Assert.Equal(
        [
            "/etc/init/job.conf:2: exec: not translated: replaced by the exec at /etc/init/job.override:1",
            RootNote("/etc/init/job.conf"),
            "/etc/init/job.override:2: manual: not translated: the bridge listens as soon as socketbridge runs; leave the job out of the configuration to keep it disabled",
        ],
            job.Notes.Select(n => n.ToString()));
    }

    [Fact]
    public void A_job_name_that_is_not_a_bridge_name_is_changed_and_the_change_noted()
    {
        ImportedJob job = UpstartImporter.Translate("/etc/init/My Job.conf", "start on socket PROTO=inet PORT=8080\nexec /usr/bin/job\n");

        Assert.Equal("my-job", Assert.Single(job.Bridges).Name);
        Assert.Equal(
            [RootNote("/etc/init/My Job.conf"), "/etc/init/My Job.conf: bridge name: my-job (UPSTART_JOB=my-job), from the job name \"My Job\": a bridge name is [a-z0-9][a-z0-9._-]*"],
            job.Notes.Select(n => n.ToString()));
    }
}
