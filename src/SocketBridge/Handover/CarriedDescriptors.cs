using System.Runtime.InteropServices;
using SocketBridge.Native;

namespace SocketBridge.Handover;

/// <summary>
/// The descriptors a re-exec carries: each is a copy made at capture
/// (F_DUPFD, which survives execve), while its handle is referenced, so no
/// thread closing the original meanwhile (a program's stderr reaching its
/// end, a connection refused) can make the number stale or, worse, reused by
/// another file. The originals close at the exec, as everything close-on-exec
/// does; the copies are the state's. An exec that does not happen closes the copies.
/// </summary>
internal sealed class CarriedDescriptors : IDisposable
{
    private readonly List<int> _copies = [];

    /// <summary>The copy of <paramref name="handle"/>'s descriptor, or -1 when it is closed already (or null).</summary>
    public int Carry(SafeHandle? handle)
    {
        if (handle is null)
        {
            return -1;
        }

        int copy = ProcessImage.DuplicateForExec(handle);
        if (copy >= 0)
        {
            _copies.Add(copy);
        }

        return copy;
    }

    /// <summary>The copy of a descriptor nobody can close meanwhile (-1 stays -1).</summary>
    public int Carry(int fd)
    {
        if (fd < 0)
        {
            return -1;
        }

        int copy = ProcessImage.DuplicateForExec(fd);
        _copies.Add(copy);
        return copy;
    }

    /// <summary>Every copy, for the checks before the exec.</summary>
    public IReadOnlyList<int> All => _copies;

    /// <summary>Closes the copies: the exec did not happen.</summary>
    public void Dispose()
    {
        foreach (int fd in _copies)
        {
            Posix.Close(fd);
        }

        _copies.Clear();
    }
}
