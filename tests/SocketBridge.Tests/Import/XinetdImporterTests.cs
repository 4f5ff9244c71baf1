using SocketBridge.Import;

namespace SocketBridge.Tests.Import;

/// <summary>What an xinetd service becomes: a spawn, handoff or forward bridge, and a note for everything without an equivalent.</summary>
[Trait("Category", "Unit")]
public sealed class XinetdImporterTests
{
    /// <summary>The note for a service without user, written with "User": "root".</summary>
    private static string RootNote(string file, int line, string service) =>
        $"{file}:{line}: service {service}: User \"root\": the service names no user; {ImportNote.LessPrivileged}";

    private static XinetdImporter Importer() =>
        new(() => ServicesDatabase.Parse("telnet 23/tcp\nftp 21/tcp\nftp 21/udp\nhttp 80/tcp www # WorldWideWeb\necho 7/tcp\necho 7/udp\n"));

    [Fact]
    public void A_wait_no_service_becomes_a_spawn_bridge_with_its_port_from_etc_services_program_user_environment_and_limits()
    {
        ImportedJob job = Importer().Translate("/etc/xinetd.d/ftp", """
            service ftp
            {
                socket_type     = stream
                protocol        = tcp
                wait            = no
                user            = ftp
                group           = nogroup
                server          = /usr/sbin/in.ftpd
                server_args     = -l -a
                env             = LANG=C.UTF-8 MODE=fast
                passenv         = TZ
                instances       = 30
                per_source      = 3
                only_from       = 192.0.2.0 10.1.{1,2}
                no_access       = 192.0.2.66
                flags           = REUSE KEEPALIVE
                groups          = yes
            }
            """);

        Assert.Empty(job.Notes);
        ImportedBridge bridge = Assert.Single(job.Bridges);
        Assert.Equal(("ftp", "tcp:0.0.0.0:21", "spawn"), (bridge.Name, bridge.Listen, bridge.Mode));
        Assert.Equal(["/usr/sbin/in.ftpd", "-l", "-a"], bridge.Exec);
        Assert.Equal(("ftp", "nogroup"), (bridge.User, bridge.Group));
        Assert.Equal([new("LANG", "C.UTF-8"), new("MODE", "fast")], bridge.Environment);
        Assert.Equal(["TZ"], bridge.PassEnvironment);
        Assert.Equal((30, 3), (bridge.MaxConnections, bridge.MaxConnectionsPerSource));
        Assert.Equal(["192.0.2.0/24", "10.1.1.0/24", "10.1.2.0/24"], bridge.AllowFrom);
        Assert.Equal(["192.0.2.66/32"], bridge.DenyFrom);
        Assert.True(bridge.KeepAlive);
        Assert.Null(bridge.RateLimit);
    }

    [Theory]
    [InlineData("type = UNLISTED\nport = 8080", "tcp:0.0.0.0:8080")]
    [InlineData("type = UNLISTED\nport = 8080\nbind = 127.0.0.1", "tcp:127.0.0.1:8080")]
    [InlineData("type = UNLISTED\nport = 8080\ninterface = ::1", "tcp:[::1]:8080")]
    [InlineData("type = UNLISTED\nport = 8080\nflags = IPv6", "tcp:*:8080")]
    [InlineData("type = UNLISTED\nport = 8080\nflags = IPv6\nv6only = yes", "tcp:[::]:8080")]
    [InlineData("type = UNLISTED\nport = 8080\nbind = localhost", "tcp:localhost:8080")]
    public void Port_bind_and_IPv6_flag_give_the_Listen_endpoint(string attributes, string listen)
    {
        ImportedJob job = Importer().Translate("svc", $"service svc\n{{\nsocket_type = stream\nwait = no\nserver = /bin/cat\n{attributes}\n}}\n");

        ImportedBridge bridge = Assert.Single(job.Bridges);
        Assert.Equal((listen, "root"), (bridge.Listen, bridge.User));
        Assert.Equal([RootNote("svc", 1, "svc")], job.Notes.Select(n => n.ToString()));
    }

    [Fact]
    public void A_port_that_differs_from_etc_services_or_a_service_missing_from_it_is_noted()
    {
        ImportedJob job = Importer().Translate("x", """
            service http
            {
                socket_type = stream
                wait = no
                server = /bin/cat
                port = 8080
            }
            service private
            {
                socket_type = stream
                wait = no
                server = /bin/cat
                port = 9000
            }
            """);

        Assert.Equal(["tcp:0.0.0.0:8080", "tcp:0.0.0.0:9000"], job.Bridges.Select(b => b.Listen));
        Assert.Equal(
        [
            RootNote("x", 1, "http"),
            "x:6: port: /etc/services gives http port 80, which xinetd would insist on; the bridge listens on port 8080",
            RootNote("x", 8, "private"),
            "x:13: port: private is not a tcp service in /etc/services, so xinetd needs type = UNLISTED; the bridge listens on port 9000",
        ],
            job.Notes.Select(n => n.ToString()));
    }

    [Fact]
    public void A_wait_yes_service_becomes_a_handoff_bridge_whose_program_gets_the_listening_socket_on_stdin_and_stdout_with_StandardInput_socket()
    {
        ImportedJob job = Importer().Translate("x", """
            service telnet
            {
                socket_type = stream
                wait = yes
                server = /usr/sbin/waiter
                server_args = --inetd
                only_from = 127.0.0.1
            }
            """);

        ImportedBridge bridge = Assert.Single(job.Bridges);
        Assert.Equal("handoff", bridge.Mode);
        Assert.Equal(["/usr/sbin/waiter", "--inetd"], bridge.Exec);
        Assert.Equal("socket", bridge.StandardInput);
        Assert.Empty(bridge.AllowFrom);
        Assert.Equal(["x:1: service telnet", "x:4: wait", "x:7: only_from"], job.Notes.Select(n => $"{n.File}:{n.Line}: {n.Subject}"));
        Assert.Contains("never sees the clients", job.Notes[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dgram_wait_yes_service_becomes_a_udp_handoff_bridge_with_StandardInput_socket_and_its_udp_port()
    {
        ImportedJob job = Importer().Translate("/etc/xinetd.d/echo", """
            service echo
            {
                socket_type     = dgram
                protocol        = udp
                wait            = yes
                user            = nobody
                server          = /usr/local/sbin/udp-echo
                server_args     = --inetd
                flags           = REUSE KEEPALIVE NODELAY
                only_from       = 10.0.0.0
                instances       = 5
            }
            """);

        ImportedBridge bridge = Assert.Single(job.Bridges);
        Assert.Equal(("echo", "udp:0.0.0.0:7", "handoff", "socket"), (bridge.Name, bridge.Listen, bridge.Mode, bridge.StandardInput));
        Assert.Equal(["/usr/local/sbin/udp-echo", "--inetd"], bridge.Exec);
        Assert.Equal("nobody", bridge.User);
        Assert.Null(bridge.KeepAlive);
        Assert.Empty(bridge.AllowFrom);
        Assert.Equal(
        [
            "/etc/xinetd.d/echo:5: wait: wait = yes: a handoff bridge with \"StandardInput\": \"socket\": started when the first datagram waits, the program gets the socket on stdin and stdout, as from xinetd (and as fd 3), and reads the datagrams itself",
            "/etc/xinetd.d/echo:9: flags: not translated: REUSE: xinetd set SO_REUSEADDR, which on a UDP socket lets another socket that sets it bind the same port and take part of its datagrams; a udp: endpoint leaves it off, so another server on the port is a start-up error rather than a silent share",
            "/etc/xinetd.d/echo:9: flags: not translated: KEEPALIVE: a TCP option; a UDP service has no connections to keep alive (xinetd ignored it too)",
            "/etc/xinetd.d/echo:9: flags: not translated: NODELAY: a TCP option; a UDP service has no connections (xinetd ignored it too)",
            "/etc/xinetd.d/echo:10: only_from: not translated for service echo: with wait = yes the program reads the datagrams, so socketbridge never sees the clients",
            "/etc/xinetd.d/echo:11: instances: not translated for service echo: a wait = yes program runs one at a time",
        ],
            job.Notes.Select(n => n.ToString()));
    }

    [Theory]
    [InlineData("bind = 127.0.0.1", "udp:127.0.0.1:7")]
    [InlineData("interface = ::1", "udp:[::1]:7")]
    [InlineData("flags = IPv6", "udp:*:7")]
    [InlineData("flags = IPv6\nv6only = yes", "udp:[::]:7")]
    [InlineData("type = UNLISTED\nport = 6969", "udp:0.0.0.0:6969")]
    public void A_dgram_services_bind_interface_port_and_IPv6_flag_give_a_udp_endpoint(string attributes, string listen)
    {
        ImportedJob job = Importer().Translate("x", $"service echo\n{{\nsocket_type = dgram\nwait = yes\nuser = nobody\nserver = /bin/cat\n{attributes}\n}}\n");

        Assert.Equal(listen, Assert.Single(job.Bridges).Listen);
    }

    [Fact]
    public void A_wait_yes_stream_services_KEEPALIVE_is_translated_and_NODELAY_noted_as_not_translated_yet()
    {
        ImportedJob job = Importer().Translate("x", "service telnet\n{\nsocket_type = stream\nwait = yes\nuser = nobody\nserver = /bin/cat\nflags = KEEPALIVE NODELAY REUSE\n}\n");

        // KeepAlive is set on the listening socket, so the connections the program accepts have it, as under xinetd.
        ImportedBridge bridge = Assert.Single(job.Bridges);
        Assert.True(bridge.KeepAlive);
        string[] notes = [.. job.Notes.Select(n => n.ToString())];
        Assert.Equal(2, notes.Length);
        Assert.StartsWith("x:4: wait: wait = yes: a handoff bridge with \"StandardInput\": \"socket\": the program gets the listening socket on stdin and stdout", notes[0], StringComparison.Ordinal);
        Assert.StartsWith("x:7: flags: not translated yet: NODELAY: xinetd set it on a wait = yes service's listening socket", notes[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("socket_type = dgram\nwait = yes\nprotocol = tcp", "protocol = tcp: socketbridge bridges socket_type = dgram over UDP")]
    [InlineData("socket_type = dgram\nwait = yes\nredirect = 127.0.0.1 53", "redirect with socket_type = dgram: xinetd redirects TCP connections only")]
    [InlineData("socket_type = seqpacket", "socket_type = seqpacket: socketbridge bridges TCP (stream) and UDP (dgram) services")]
    public void A_datagram_service_that_cannot_be_a_bridge_is_skipped_saying_why(string attributes, string why)
    {
        ImportedJob job = Importer().Translate("x", $"service echo\n{{\nsocket_type = stream\nwait = no\nserver = /bin/cat\n{attributes}\n}}\n");

        Assert.StartsWith($"x:1: service echo: skipped: {why}", job.Notes.Single(n => n.Subject == "service echo").ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_redirect_becomes_a_forward_bridge_and_program_attributes_are_noted_as_not_applied()
    {
        ImportedJob job = Importer().Translate("x", """
            service http
            {
                socket_type = stream
                wait = no
                redirect = 2001:db8::5 8080
                server = /bin/cat
                user = nobody
                cps = 50 10
            }
            """);

        ImportedBridge bridge = Assert.Single(job.Bridges);
        Assert.Equal(("forward", "tcp:[2001:db8::5]:8080", "50/s"), (bridge.Mode, bridge.Target, bridge.RateLimit));
        Assert.Empty(bridge.Exec);
        Assert.Null(bridge.User);
        Assert.Equal(
        [
            "x:6: server: not translated: a redirected service launches no program",
            "x:7: user: not translated: a redirected service launches no program",
        ],
            job.Notes.Take(2).Select(n => n.ToString()));
        Assert.StartsWith("x:8: cps: RateLimit \"50/s\": xinetd stops the whole service for 10 seconds", job.Notes[2].ToString(), StringComparison.Ordinal);
        Assert.Contains("token bucket", job.Notes[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NAMEINARGS_takes_argv0_from_server_args_and_tcpd_is_replaced_by_the_program_it_wrapped()
    {
        ImportedJob job = Importer().Translate("x", """
            service telnet
            {
                socket_type = stream
                wait = no
                flags = NAMEINARGS
                server = /usr/sbin/tcpd
                server_args = /usr/sbin/in.telnetd -h
            }
            service ftp
            {
                socket_type = stream
                wait = no
                flags = NAMEINARGS
                server = /usr/sbin/in.ftpd
                server_args = ftpd -l
            }
            """);

        Assert.Equal([["/usr/sbin/in.telnetd", "-h"], ["/usr/sbin/in.ftpd", "-l"]], job.Bridges.Select(b => b.Exec));
        Assert.Equal(["x:1: service telnet", "x:6: server", "x:9: service ftp", "x:15: server_args"], job.Notes.Select(n => $"{n.File}:{n.Line}: {n.Subject}"));
        Assert.Contains("hosts.allow", job.Notes[1].Message, StringComparison.Ordinal);
        Assert.Equal("NAMEINARGS: the program's argv[0] is /usr/sbin/in.ftpd, not ftpd", job.Notes[3].Message);
    }

    [Theory]
    [InlineData("disable = yes", "disable = yes: xinetd does not run it")]
    [InlineData("type = INTERNAL", "type = INTERNAL: xinetd answers it itself, and socketbridge has no built-in services; a bridge with \"Exec\": [\"/bin/cat\"] does the same")]
    [InlineData("type = RPC", "type = RPC: ")]
    [InlineData("socket_type = dgram\nprotocol = udp", "socket_type = dgram with wait = no: socketbridge serves a datagram socket in handoff mode only (wait = yes)")]
    [InlineData("socket_type = raw", "socket_type = raw: socketbridge bridges TCP (stream) and UDP (dgram) services")]
    [InlineData("protocol = sctp", "protocol = sctp: socketbridge bridges socket_type = stream over TCP")]
    [InlineData("protocol = udp", "protocol = udp: socketbridge bridges socket_type = stream over TCP")]
    [InlineData("wait = maybe", "wait = maybe is not yes or no")]
    [InlineData("server =", "server =  is not one program")]
    [InlineData("port = http", "port = http is not a port number")]
    [InlineData("type = UNLISTED\nport =", "port =  is not a port number")]
    public void A_service_that_cannot_be_a_bridge_is_skipped_saying_why(string attributes, string why)
    {
        ImportedJob job = Importer().Translate("x", $"service echo\n{{\nsocket_type = stream\nwait = no\nserver = /bin/cat\n{attributes}\n}}\n");

        Assert.False(job.Translated);
        Assert.StartsWith($"x:1: service echo: skipped: {why}", job.Notes.Single(n => n.Subject == "service echo").ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_service_neither_in_etc_services_nor_given_a_port_is_skipped()
    {
        ImportedJob job = Importer().Translate("x", "service nowhere\n{\nsocket_type = stream\nwait = no\nserver = /bin/cat\n}\n");

        Assert.Equal(
        [
            "x:1: service nowhere: skipped: nowhere is not a tcp service in /etc/services: give its port (and type = UNLISTED)",
            "x: skipped: none of its services can be translated",
        ],
            job.Notes.Select(n => n.ToString()));
    }

    [Fact]
    public void Names_in_only_from_are_noted_and_an_only_from_with_nothing_translatable_refuses_everyone()
    {
        ImportedJob job = Importer().Translate("x", """
            service telnet
            {
                socket_type = stream
                wait = no
                server = /bin/cat
                only_from = trusted.example.com .example.org
                no_access = badhost
            }
            service ftp
            {
                socket_type = stream
                wait = no
                server = /bin/cat
                only_from =
            }
            """);

        Assert.Equal([["0.0.0.0/0", "::/0"], ["0.0.0.0/0", "::/0"]], job.Bridges.Select(b => b.DenyFrom));
        Assert.All(job.Bridges, b => Assert.Empty(b.AllowFrom));
        string[] expected =
        [
            RootNote("x", 1, "telnet"),
            "x:6: only_from: not translated: trusted.example.com is a host or network name",
            "x:6: only_from: not translated: .example.org is a domain",
            "x:6: only_from: none of its entries can be translated",
            "x:7: no_access: not translated: badhost is a host or network name",
            RootNote("x", 9, "ftp"),
            "x:14: only_from: empty: xinetd serves nobody",
        ];
        Assert.Equal(expected.Length, job.Notes.Count);
        Assert.All(expected.Zip(job.Notes), pair => Assert.StartsWith(pair.First, pair.Second.ToString(), StringComparison.Ordinal));
        Assert.Contains("NOT refuse", job.Notes[4].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_apply_to_later_services_and_their_untranslatable_lines_are_noted_once()
    {
        XinetdImporter importer = Importer();
        ImportedJob conf = importer.Translate("/etc/xinetd.conf", """
            defaults
            {
                instances = 60
                log_type = SYSLOG daemon info
                only_from = 127.0.0.1
                cps = 25 30
            }
            includedir /etc/xinetd.d
            """);
        ImportedJob services = importer.Translate("/etc/xinetd.d/two", """
            service telnet
            {
                socket_type = stream
                wait = no
                server = /bin/cat
                only_from += 192.0.2.7
                instances = UNLIMITED
            }
            service ftp
            {
                socket_type = stream
                wait = no
                server = /bin/cat
                log_on_success = HOST
            }
            """);

        Assert.False(conf.Translated);
        Assert.Equal(
        [
            "/etc/xinetd.conf:4: log_type: not translated: socketbridge logs to the journal (stderr when not under systemd)",
            "/etc/xinetd.conf:8: includedir: not translated: not followed: give the files to import on the command line (socketbridge import xinetd /etc/xinetd.conf /etc/xinetd.d/*)",
            "/etc/xinetd.conf: skipped: no service section (its defaults apply to the services of the files after it)",
        ],
            conf.Notes.Select(n => n.ToString()));

        Assert.Equal([("telnet", null, "25/s"), ("ftp", 60, "25/s")], services.Bridges.Select(b => (b.Name, b.MaxConnections, b.RateLimit)));
        Assert.Equal([["127.0.0.1/32", "192.0.2.7/32"], ["127.0.0.1/32"]], services.Bridges.Select(b => b.AllowFrom));
        Assert.Equal(
            ["/etc/xinetd.d/two:1: service telnet", "/etc/xinetd.d/two:7: instances", "/etc/xinetd.d/two:9: service ftp", "/etc/xinetd.d/two:14: log_on_success", "/etc/xinetd.conf:6: cps"],
            services.Notes.Select(n => $"{n.File}:{n.Line}: {n.Subject}"));
    }

    [Fact]
    public void Unlimited_instances_are_noted_with_the_default_of_the_bridge_mode()
    {
        ImportedJob job = Importer().Translate("x", """
            service telnet
            {
                socket_type = stream
                wait = no
                server = /bin/cat
                instances = UNLIMITED
            }
            service web
            {
                socket_type = stream
                wait = no
                port = 8080
                type = UNLISTED
                redirect = 192.0.2.5 80
                instances = UNLIMITED
            }
            """);

        Assert.Contains(job.Notes, n => n.ToString() == "x:6: instances: UNLIMITED: MaxConnections is left at its default, 64; set it to what the machine can take (up to 1000000)");
        Assert.Contains(job.Notes, n => n.ToString() == "x:15: instances: UNLIMITED: MaxConnections is left at its default, 4096; set it to what the machine can take (up to 1000000)");
    }

    [Fact]
    public void A_closer_only_from_match_inside_a_no_access_range_is_noted_since_deny_wins()
    {
        ImportedJob job = Importer().Translate("x", """
            service telnet
            {
                socket_type = stream
                wait = no
                server = /bin/cat
                only_from = 128.138.209.10
                no_access = 128.138.209.0
            }
            """);

        Assert.Equal(
            [RootNote("x", 1, "telnet"), "x:7: no_access: 128.138.209.0/24 holds only_from's 128.138.209.10/32: xinetd lets the closer match serve those clients, but a bridge's DenyFrom wins, so they are refused"],
            job.Notes.Select(n => n.ToString()));
    }

    [Fact]
    public void Attributes_and_flags_without_an_equivalent_are_noted_once_each_with_their_line()
    {
        ImportedJob job = Importer().Translate("x", """
            service telnet
            {
                socket_type = stream
                wait = no
                server = /bin/cat
                flags = SENSOR IDONLY FROBNICATE IPv4
                nice = 10
                umask = 022
                rlimit_rss = 8M
                banner = /etc/issue
                access_times = 08:00-17:00
                max_load = 5
                libwrap = telnetd
                env = PROTO=x NOEQUALS
                frobnicate = yes
            }
            """);

        Assert.Single(job.Bridges);
        Assert.Equal(
        [
            "x:1: service telnet", "x:6: flags", "x:6: flags", "x:6: flags", "x:9: rlimit_rss", "x:10: banner",
            "x:11: access_times", "x:12: max_load", "x:13: libwrap", "x:14: env", "x:14: env", "x:15: frobnicate",
        ],
            job.Notes.Select(n => $"{n.File}:{n.Line}: {n.Subject}"));
        Assert.All(job.Notes.Skip(1), n => Assert.Matches("^not translated: .{10,}", n.Message));
    }

    [Fact]
    public void Nice_umask_and_rlimits_become_Nice_UMask_and_Limit_keys_as_xinetd_sets_them_soft_and_hard()
    {
        ImportedJob job = Importer().Translate("x", """
            service telnet
            {
                socket_type  = stream
                wait         = no
                user         = telnetd
                server       = /usr/sbin/in.telnetd
                nice         = 10
                umask        = 27
                rlimit_as    = 8M
                rlimit_data  = 16384k
                rlimit_stack = 1000
                rlimit_cpu   = 20
                rlimit_files = 2K
            }
            """);

        Assert.Empty(job.Notes);
        ImportedBridge bridge = Assert.Single(job.Bridges);
        Assert.Equal((10, "0027"), (bridge.Nice, bridge.UMask));
        Assert.Equal(
            new Dictionary<string, string> { ["LimitAS"] = "8M", ["LimitDATA"] = "16M", ["LimitSTACK"] = "1000", ["LimitCPU"] = "20", ["LimitNOFILE"] = "2048" },
            bridge.Limits);
    }

    [Theory]
    [InlineData("rlimit_as = UNLIMITED", "LimitAS", "infinity")]
    [InlineData("rlimit_cpu = UNLIMITED", "LimitCPU", "infinity")]
    [InlineData("rlimit_data = 1073741824", "LimitDATA", "1G")]
    [InlineData("rlimit_stack = 1m", "LimitSTACK", "1M")]
    [InlineData("rlimit_files = 64", "LimitNOFILE", "64")]
    public void An_rlimit_is_written_in_the_form_the_daemon_reads(string line, string key, string value)
    {
        ImportedJob job = Importer().Translate("x", $"service telnet\n{{\n socket_type = stream\n wait = no\n user = nobody\n server = /bin/cat\n {line}\n}}\n");

        Assert.Empty(job.Notes);
        Assert.Equal(value, Assert.Single(job.Bridges).Limits[key]);
    }

    [Theory]
    [InlineData("rlimit_rss = 8M", "rlimit_rss: not translated: Linux ignores RLIMIT_RSS (since 2.4.30), so xinetd's limit had no effect")]
    [InlineData("rlimit_files = UNLIMITED", "rlimit_files: not translated: UNLIMITED: the kernel has no unlimited open-file limit")]
    [InlineData("rlimit_as = 0", "rlimit_as: not translated: xinetd sets no limit for 0, so the program kept xinetd's own")]
    [InlineData("rlimit_data = 8G", "rlimit_data: not translated: takes a number, or one with K or M (base 1024), or UNLIMITED")]
    [InlineData("rlimit_stack = unlimited", "rlimit_stack: not translated: takes a number, or one with K or M (base 1024), or UNLIMITED")]
    [InlineData("rlimit_cpu = 10K", "rlimit_cpu: not translated: takes a number of CPU seconds or UNLIMITED")]
    [InlineData("rlimit_as = 18446744073709551615", "rlimit_as: not translated: LimitAS \"18446744073709551615\": more than the daemon takes (at most 9223372036854775807, or infinity)")]
    [InlineData("umask = 0778", "umask: not translated: takes an octal umask from 0 to 0777")]
    [InlineData("umask = 1000", "umask: not translated: takes an octal umask from 0 to 0777")]
    [InlineData("nice = low", "nice: not translated: takes a whole number, as nice(3)")]
    [InlineData("nice = -5", "nice: not translated: xinetd called nice(3) after switching to user nobody, and only root may lower a nice value")]
    public void A_value_that_cannot_be_translated_is_left_out_with_a_note_saying_why(string line, string note)
    {
        ImportedJob job = Importer().Translate("x", $"service telnet\n{{\n socket_type = stream\n wait = no\n user = nobody\n server = /bin/cat\n {line}\n}}\n");

        ImportedBridge bridge = Assert.Single(job.Bridges);
        Assert.Empty(bridge.Limits);
        Assert.Equal((null, null), (bridge.Nice, bridge.UMask));
        Assert.StartsWith($"x:7: {note}", Assert.Single(job.Notes).ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("root", -5, -5, null)]
    [InlineData(null, -5, -5, null)]
    [InlineData("nobody", 30, 19, "x:7: nice: Nice 19: the kernel keeps a nice value within -20 to 19")]
    [InlineData("root", -30, -20, "x:7: nice: Nice -20: the kernel keeps a nice value within -20 to 19")]
    public void A_negative_nice_value_is_translated_for_root_and_one_out_of_range_as_the_kernel_clamps_it(string? user, int given, int nice, string? note)
    {
        // Line 6 names the user, or is a comment: nice is on line 7 either way.
        string userLine = user is null ? "# no user: root" : $"user = {user}";
        ImportedJob job = Importer().Translate("x", $"service telnet\n{{\n socket_type = stream\n wait = no\n server = /bin/cat\n {userLine}\n nice = {given}\n}}\n");

        Assert.Equal(nice, Assert.Single(job.Bridges).Nice);
        Assert.Equal(note, job.Notes.Where(n => n.Subject == "nice").Select(n => n.ToString()).SingleOrDefault());
    }

    [Fact]
    public void A_defaults_umask_applies_to_every_service_but_a_defaults_nice_or_rlimit_is_noted_once_and_applies_to_none_as_in_xinetd()
    {
        XinetdImporter importer = Importer();
        ImportedJob defaults = importer.Translate("/etc/xinetd.conf", """
            defaults
            {
                umask      = 077
                nice       = 5
                rlimit_as  = 64M
                rlimit_rss = 8M
            }
            """);
        ImportedJob services = importer.Translate("/etc/xinetd.d/two", """
            service telnet
            {
                socket_type = stream
                wait        = no
                user        = nobody
                server      = /bin/cat
            }
            service ftp
            {
                socket_type = stream
                wait        = no
                user        = nobody
                server      = /bin/cat
                umask       = 022
                rlimit_as   = 32M
            }
            """);

        string why = "not translated: xinetd ignores it in a defaults section (\"should not be in default section\"), so it applies to no service; set it in each service";
        Assert.Equal(
        [
            $"/etc/xinetd.conf:4: nice: {why}",
            $"/etc/xinetd.conf:5: rlimit_as: {why}",
            $"/etc/xinetd.conf:6: rlimit_rss: {why}",
            "/etc/xinetd.conf: skipped: no service section (its defaults apply to the services of the files after it)",
        ],
            defaults.Notes.Select(n => n.ToString()));
        Assert.Empty(services.Notes);
        Assert.Equal(
            [("telnet", "0077", null, null), ("ftp", "0022", null, "32M")],
            services.Bridges.Select(b => (b.Name, b.UMask, b.Nice, b.Limits.GetValueOrDefault("LimitAS"))));
    }

    [Fact]
    public void A_redirected_service_launches_no_program_so_its_nice_umask_and_rlimits_are_noted()
    {
        ImportedJob job = Importer().Translate("x", """
            service web
            {
                type        = UNLISTED
                port        = 8080
                socket_type = stream
                wait        = no
                redirect    = 127.0.0.1 80
                nice        = 5
                umask       = 022
                rlimit_as   = 8M
                rlimit_rss  = 8M
            }
            """);

        ImportedBridge bridge = Assert.Single(job.Bridges);
        Assert.Equal(("forward", null, null), (bridge.Mode, bridge.Nice, bridge.UMask));
        Assert.Empty(bridge.Limits);
        Assert.Equal(
        [
            "x:8: nice: not translated: a redirected service launches no program",
            "x:9: umask: not translated: a redirected service launches no program",
            "x:10: rlimit_as: not translated: a redirected service launches no program",
            $"x:11: rlimit_rss: not translated: {XinetdAttributeReasons.RssIgnored}",
        ],
            job.Notes.Select(n => n.ToString()));
    }

    [Fact]
    public void Service_ids_name_the_bridges_and_a_file_without_services_is_skipped()
    {
        ImportedJob job = Importer().Translate("x", """
            service echo
            {
                id = Echo_Stream
                socket_type = stream
                wait = no
                server = /bin/cat
            }
            """);
        ImportedJob empty = Importer().Translate("empty", "# nothing here\n");

        Assert.Equal("echo_stream", Assert.Single(job.Bridges).Name);
        Assert.Equal(
            [RootNote("x", 1, "echo"), "x:1: service echo: bridge name echo_stream, from \"Echo_Stream\": a bridge name is [a-z0-9][a-z0-9._-]*"],
            job.Notes.Select(n => n.ToString()));
        Assert.Equal("empty: skipped: no service section", Assert.Single(empty.Notes).ToString());
    }
}
