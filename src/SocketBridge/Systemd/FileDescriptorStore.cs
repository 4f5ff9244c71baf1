using System.Runtime.InteropServices;
using SocketBridge.Native;

namespace SocketBridge.Systemd;

/// <summary>
/// systemd's file-descriptor store (sd_notify(3): <c>FDSTORE=1</c>,
/// <c>FDSTOREREMOVE=1</c>, <c>FDNAME=</c>; systemd.service(5):
/// <c>FileDescriptorStoreMax=</c>): descriptors the service manager keeps
/// for a service while its main process restarts (a crash, <c>kill -9</c>,
/// <c>systemctl restart</c>) and passes back to the next one as
/// sd_listen_fds(3) does, their names in <c>LISTEN_FDNAMES</c>. Messages go
/// to NOTIFY_SOCKET with the descriptor in SCM_RIGHTS and never block
/// (<see cref="NotifySocket"/>). Without NOTIFY_SOCKET there is no store.
/// </summary>
internal sealed class FileDescriptorStore
{
    /// <summary>The longest FDNAME= systemd takes (FDNAME_MAX).</summary>
    public const int MaxNameLength = 255;

    private readonly string? _address;

    /// <param name="notifySocket">NOTIFY_SOCKET; null or empty: no service manager.</param>
    /// <param name="capacity">FileDescriptorStoreMax= (FDSTORE); 0: the unit has no store.</param>
    public FileDescriptorStore(string? notifySocket, int capacity)
    {
        _address = string.IsNullOrEmpty(notifySocket) || capacity <= 0 ? null : notifySocket;
        Capacity = _address is null ? 0 : capacity;
    }

    /// <summary>
    /// The store of the unit that started the daemon: NOTIFY_SOCKET, and
    /// FDSTORE, the unit's FileDescriptorStoreMax=, which systemd 254 and
    /// later set themselves. Older ones (Debian 12 has 252) do not, and
    /// nothing else tells a service that its unit has a store (without one,
    /// systemd closes what it is sent and logs each time that its store is
    /// full), so the shipped unit sets FDSTORE= beside FileDescriptorStoreMax=.
    /// Without both there is no store and nothing changes.
    /// </summary>
    public static FileDescriptorStore FromEnvironment() =>
        new(Environment.GetEnvironmentVariable("NOTIFY_SOCKET"),
            int.TryParse(Environment.GetEnvironmentVariable("FDSTORE"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int capacity) ? capacity : 0);

    public bool IsEnabled => _address is not null;

    /// <summary>How many descriptors the store takes (FileDescriptorStoreMax=).</summary>
    public int Capacity { get; }

    /// <summary>NOTIFY_SOCKET, as messages show it.</summary>
    public string Address => _address ?? string.Empty;

    /// <summary>
    /// Whether systemd takes <paramref name="name"/> as an FDNAME=
    /// (fdname_is_valid): at most 255 characters of printable ASCII, no ':'
    /// (the separator of LISTEN_FDNAMES).
    /// </summary>
    public static bool IsValidName(string name)
    {
        if (name.Length > MaxNameLength)
        {
            return false;
        }

        foreach (char c in name)
        {
            if (c < ' ' || c >= 127 || c == ':')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>FDSTORE=1 with <paramref name="descriptor"/> under <paramref name="name"/>; systemd keeps one entry per open file, so storing a stored socket again changes nothing.</summary>
    /// <exception cref="NativeCallException">The message could not be sent.</exception>
    public void Store(string name, SafeHandle descriptor)
    {
        Check(name);
        NotifySocket.Send(_address!, $"FDSTORE=1\nFDNAME={name}", descriptor);
    }

    /// <summary>FDSTOREREMOVE=1: systemd closes every descriptor it keeps under <paramref name="name"/>.</summary>
    /// <exception cref="NativeCallException">The message could not be sent.</exception>
    public void Remove(string name)
    {
        Check(name);
        NotifySocket.Send(_address!, $"FDSTOREREMOVE=1\nFDNAME={name}");
    }

    private void Check(string name)
    {
        if (_address is null)
        {
            throw new InvalidOperationException("no NOTIFY_SOCKET: there is no file-descriptor store");
        }

        if (!IsValidName(name))
        {
            throw new ArgumentException($"not a valid FDNAME: {name}", nameof(name));
        }
    }
}
