using System.Net.Sockets;

namespace SocketBridge.Tests.Fixtures;

/// <summary>
/// A journald that has stopped reading (stuck on a slow disk, being
/// restarted while systemd keeps its socket): a datagram socket bound as the
/// journal's socket that never receives anything, so the kernel's queue
/// fills and every further send blocks. <see cref="Launcher"/> runs
/// socketbridge in a private mount namespace where it is
/// /run/systemd/journal/socket, as <see cref="PrivateJournal"/> does for a
/// real journald; <see cref="NoJournal"/> runs it where there is no journal
/// at all (the log goes to stderr only).
/// </summary>
public sealed class StalledJournal : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly Socket _socket;

    public StalledJournal()
    {
        Directory.CreateDirectory(_directory["journal"]);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        _socket.Bind(new UnixDomainSocketEndPoint(_directory["journal/socket"]));
    }

    /// <summary>Prefix for <see cref="Daemon.Launch"/>: socketbridge and its arguments follow.</summary>
    public string[] Launcher => PrivateRunSystemd($"mkdir /run/systemd/journal && mount --bind {_directory["journal"]} /run/systemd/journal && ");

    /// <summary>A launcher whose /run/systemd is empty: no journal, whatever the machine runs.</summary>
    public static string[] NoJournal => PrivateRunSystemd(string.Empty);

    /// <summary>Bytes of the next datagram waiting, unread (0 when none): what the daemon sent and nobody read.</summary>
    public int Unread => _socket.Available;

    public void Dispose()
    {
        _socket.Dispose();
        _directory.Dispose();
    }

    private static string[] PrivateRunSystemd(string then) =>
        ["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", $"mkdir -p /run/systemd && mount -t tmpfs tmpfs /run/systemd && {then}exec \"$@\"", "sh"];
}
