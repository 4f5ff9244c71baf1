using System.Net;
using System.Net.Sockets;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Systemd;

/// <summary>
/// systemd's file-descriptor store (issue 17, section 2), with the test
/// playing systemd (<see cref="FakeFdStore"/>): the daemon stores the
/// listening sockets it binds with FDSTORE=1 and a valid FDNAME=, and a
/// start given them back in LISTEN_FDS adopts them by name with the
/// connections queued meanwhile, releasing what no bridge has any more.
/// </summary>
public sealed class FileDescriptorStoreTests
{
    [Fact]
    public async Task Every_socket_it_binds_is_stored_under_a_valid_name_and_a_reload_stores_new_ones_and_releases_removed_ones()
    {
        using var dir = new TempDirectory();
        using var store = new FakeFdStore(dir);
        string unixPath = dir["web.sock"];
        string config = dir.Write("config.json", $$"""
            { "Bridges": {
                "echo": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"] },
                "web": { "Listen": ["unix:{{unixPath}}", "unix-seqpacket:@sb-fdstore-{{Environment.ProcessId}}"], "User": "root", "Exec": ["/bin/cat"] },
                "fifo": { "Listen": "fifo:{{dir["in.fifo"]}}", "User": "root", "Exec": ["/bin/cat"] } } }
            """);
        await using Daemon daemon = await Daemon.StartAsync(["run", "-c", config], dir, ownsDirectory: false, store.Environment);
        int port = await daemon.PortOfAsync("echo");

        await Wait.UntilAsync(() => store.Entries.Length == 3, $"three sockets stored; messages: {string.Join(" | ", store.Messages)}");
        string[] stores = [.. store.Messages.Where(m => m.StartsWith("FDSTORE=1\n", StringComparison.Ordinal))];
        Assert.Equal(3, stores.Length);
        Assert.All(store.Entries, e => Assert.True(IsValidFdName(e.Name), $"FDNAME={e.Name} is not one systemd takes"));
        Assert.Equal(
            ["sb/echo/tcp%3A127.0.0.1%3A0", $"sb/web/unix%3A{unixPath}", $"sb/web/unix-seqpacket%3A@sb-fdstore-{Environment.ProcessId}"],
            store.Entries.Select(e => e.Name).Order(StringComparer.Ordinal).ToArray());

        // Each descriptor is the daemon's own listening socket (the same
        // open socket, by inode), and listens where the bridge does.
        HashSet<long> daemonSockets = FakeFdStore.SocketsOf(daemon.Pid);
        foreach ((string name, int fd) in store.Entries)
        {
            Assert.Contains(FakeFdStore.SocketInode(fd), daemonSockets);
            using var socket = new Socket(new SafeSocketHandle(fd, ownsHandle: false));
            Assert.Equal(1, (int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.AcceptConnection)!);
            if (name.StartsWith("sb/echo/", StringComparison.Ordinal))
            {
                Assert.Equal(new IPEndPoint(IPAddress.Loopback, port), socket.LocalEndPoint);
            }
        }

        // A reload: web goes, more comes; web's two names are removed, more's stored.
        dir.Write("config.json", """
            { "Bridges": {
                "echo": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"] },
                "more": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"] } } }
            """);
        daemon.Signal(LibC.SIGHUP);
        await Wait.UntilAsync(() => store.Entries.Select(e => e.Name).Order(StringComparer.Ordinal).SequenceEqual(["sb/echo/tcp%3A127.0.0.1%3A0", "sb/more/tcp%3A127.0.0.1%3A0"]),
            $"the store to hold echo and more; messages: {string.Join(" | ", store.Messages)}");
        Assert.Contains($"FDSTOREREMOVE=1\nFDNAME=sb/web/unix%3A{unixPath}", store.Messages);
        Assert.False(File.Exists(unixPath), "a removed bridge's socket file is removed at a reload as before");
        Assert.Equal("hi\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port), "hi\n"));
    }

    [Fact]
    public async Task A_notify_socket_in_the_abstract_namespace_gets_the_sockets_too()
    {
        using var dir = new TempDirectory();
        using var store = new FakeFdStore(dir, abstractName: $"sb-test-notify-{Guid.NewGuid():N}");
        string config = dir.Write("config.json", """
            { "Bridges": { "echo": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"] } } }
            """);
        await using Daemon daemon = await Daemon.StartAsync(["run", "-c", config], dir, ownsDirectory: false, store.Environment);

        await Wait.UntilAsync(() => store.Entries.Length == 1, $"the socket stored; messages: {string.Join(" | ", store.Messages)}");
        Assert.Equal("sb/echo/tcp%3A127.0.0.1%3A0", store.Entries[0].Name);
    }

    [Fact]
    public async Task Without_FDSTORE_nothing_is_stored()
    {
        using var dir = new TempDirectory();
        using var store = new FakeFdStore(dir);
        string config = dir.Write("config.json", """
            { "Bridges": { "echo": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"] } } }
            """);
        var environment = new Dictionary<string, string>(store.Environment);
        environment.Remove("FDSTORE");
        await using Daemon daemon = await Daemon.StartAsync(["run", "-c", config], dir, ownsDirectory: false, environment);

        Assert.Contains(store.Messages, m => m.Contains("READY=1", StringComparison.Ordinal));
        Assert.DoesNotContain(store.Messages, m => m.Contains("FDSTORE", StringComparison.Ordinal));
        Assert.Empty(store.Entries);
    }

    /// <summary>
    /// A stop under the store leaves the sockets working (no shutdown(2))
    /// and the unix socket file in place; clients that connect while no
    /// daemon runs queue; the next start, given the stored sockets back,
    /// adopts them by name (the port-0 socket keeps its port), serves the
    /// queued clients, stores nothing twice, and releases a stored socket
    /// whose bridge is gone (FDSTOREREMOVE=1, closed, logged).
    /// </summary>
    [Fact]
    public async Task The_next_start_adopts_the_stored_sockets_by_name_serves_what_queued_meanwhile_and_releases_the_unknown_one()
    {
        using var dir = new TempDirectory();
        using var store = new FakeFdStore(dir);
        string unixPath = dir["web.sock"];
        string config = dir.Write("config.json", $$"""
            { "Bridges": {
                "echo": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"] },
                "web": { "Listen": "unix:{{unixPath}}", "User": "root", "Exec": ["/bin/cat"] } } }
            """);
        int port;
        await using (Daemon first = await Daemon.StartAsync(["run", "-c", config], dir, ownsDirectory: false, store.Environment))
        {
            port = await first.PortOfAsync("echo");
            await Wait.UntilAsync(() => store.Entries.Length == 2, $"two sockets stored; messages: {string.Join(" | ", store.Messages)}");
            Assert.Equal(0, await first.StopAsync());
            Assert.Contains(first.Logs, l => l.Contains("stay in systemd's file-descriptor store", StringComparison.Ordinal));
        }

        Assert.True(File.Exists(unixPath), "the stored unix socket's file is kept at the stop");

        // A socket of a bridge that no longer exists, as an earlier configuration would have left it.
        using var gone = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        gone.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        gone.Listen();
        store.Add("sb/gone/tcp%3A127.0.0.1%3A0", gone.SafeHandle);

        // No daemon runs: these queue in the stored sockets' backlogs, their data sent.
        Socket queuedTcp = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        await queuedTcp.SendAsync("queued over tcp\n"u8.ToArray());
        queuedTcp.Shutdown(SocketShutdown.Send);
        Socket queuedUnix = await Clients.ConnectUnixAsync(unixPath);
        await queuedUnix.SendAsync("queued over unix\n"u8.ToArray());
        queuedUnix.Shutdown(SocketShutdown.Send);

        int messagesBefore = store.Messages.Length;
        await using Daemon second = await store.StartDaemonAsync(["run", "-c", config], dir);

        Assert.Equal(port, await second.PortOfAsync("echo"));
        Assert.Equal("queued over tcp\n", await Clients.ReadToEndAsync(queuedTcp));
        Assert.Equal("queued over unix\n", await Clients.ReadToEndAsync(queuedUnix));
        queuedTcp.Dispose();
        queuedUnix.Dispose();
        Assert.Contains(second.Logs, l => l.Contains("listening on", StringComparison.Ordinal) && l.Contains("passed by systemd as sb/echo/", StringComparison.Ordinal));

        await Wait.UntilAsync(() => store.Messages.Contains("FDSTOREREMOVE=1\nFDNAME=sb/gone/tcp%3A127.0.0.1%3A0"), "the unknown socket released");
        await second.WaitForLogAsync(l => l.Contains("released sb/gone/tcp%3A127.0.0.1%3A0", StringComparison.Ordinal), "the release logged");
        Assert.Equal(["sb/echo/tcp%3A127.0.0.1%3A0", $"sb/web/unix%3A{unixPath}"], store.Entries.Select(e => e.Name).Order(StringComparer.Ordinal).ToArray());
        Assert.DoesNotContain(store.Messages.Skip(messagesBefore), m => m.StartsWith("FDSTORE=1", StringComparison.Ordinal));
        Assert.DoesNotContain(FakeFdStore.SocketInode((int)gone.SafeHandle.DangerousGetHandle()), FakeFdStore.SocketsOf(second.Pid));
        Assert.Equal("again\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port), "again\n"));
    }

    /// <summary>
    /// A socket adopted by address under another name (its bridge renamed)
    /// moves to its new name: the old entry is removed first, since systemd
    /// keeps one entry per open socket and would keep the old name.
    /// </summary>
    [Fact]
    public async Task A_stored_socket_taken_over_by_a_renamed_bridge_moves_to_its_new_name()
    {
        using var dir = new TempDirectory();
        using var store = new FakeFdStore(dir);
        string config = dir.Write("config.json", """
            { "Bridges": { "old": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"] } } }
            """);
        int port;
        long inode;
        await using (Daemon first = await Daemon.StartAsync(["run", "-c", config], dir, ownsDirectory: false, store.Environment))
        {
            port = await first.PortOfAsync("old");
            await Wait.UntilAsync(() => store.Entries.Length == 1, "the socket stored");
            inode = FakeFdStore.SocketInode(store.Entries[0].Fd);
            Assert.Equal(0, await first.StopAsync());
        }

        dir.Write("config.json", $$"""
            { "Bridges": { "new": { "Listen": "tcp:127.0.0.1:{{port}}", "User": "root", "Exec": ["/bin/cat"] } } }
            """);
        int messagesBefore = store.Messages.Length;
        await using Daemon second = await store.StartDaemonAsync(["run", "-c", config], dir);

        string newName = $"sb/new/tcp%3A127.0.0.1%3A{port}";
        await Wait.UntilAsync(() => store.Entries.Length == 1 && store.Entries[0].Name == newName, $"the socket stored as {newName}; messages: {string.Join(" | ", store.Messages)}");
        string[] since = store.Messages[messagesBefore..];
        int removed = Array.IndexOf(since, "FDSTOREREMOVE=1\nFDNAME=sb/old/tcp%3A127.0.0.1%3A0");
        int stored = Array.IndexOf(since, $"FDSTORE=1\nFDNAME={newName}");
        Assert.True(removed >= 0 && stored > removed, $"the old name removed before the new one is stored: {string.Join(" | ", since)}");
        Assert.Equal(inode, FakeFdStore.SocketInode(store.Entries[0].Fd));
        Assert.Equal("moved\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port), "moved\n"));
    }

    /// <summary>fdname_is_valid() of systemd: at most 255 characters, printable ASCII, no ':'.</summary>
    private static bool IsValidFdName(string name) => name.Length is > 0 and <= 255 && name.All(c => c is >= ' ' and < (char)127 and not ':');
}
