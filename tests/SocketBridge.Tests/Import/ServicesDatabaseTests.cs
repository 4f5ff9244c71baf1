using SocketBridge.Import;

namespace SocketBridge.Tests.Import;

/// <summary>/etc/services (services(5)) as import xinetd reads it.</summary>
[Trait("Category", "Unit")]
public sealed class ServicesDatabaseTests
{
    [Fact]
    public void Names_and_aliases_give_the_port_of_their_protocol_and_the_first_line_wins()
    {
        ServicesDatabase services = ServicesDatabase.Parse("""
            # Network services, Internet style
            tcpmux		1/tcp				# TCP port service multiplexer
            http		80/tcp		www		# WorldWideWeb HTTP
            syslog		514/udp
            http		8080/tcp
            broken		http/tcp
            toobig		70000/tcp
            """);

        Assert.True(services.TryFindPort("http", "tcp", out int http));
        Assert.True(services.TryFindPort("www", "tcp", out int www));
        Assert.Equal((80, 80), (http, www));
        Assert.True(services.TryFindPort("tcpmux", "tcp", out int tcpmux));
        Assert.Equal(1, tcpmux);
        Assert.False(services.TryFindPort("syslog", "tcp", out _));
        Assert.False(services.TryFindPort("broken", "tcp", out _));
        Assert.False(services.TryFindPort("toobig", "tcp", out _));
        Assert.False(services.TryFindPort("WorldWideWeb", "tcp", out _));
    }
}
