using SocketBridge.Native;

namespace SocketBridge.Endpoints;

/// <summary>
/// A socket file or FIFO the daemon made, with the descriptor of the
/// directory it was made in. <see cref="Remove"/> unlinks it through that
/// descriptor, and only while its name still holds that very file (SPEC 8:
/// a file someone put there since is not the daemon's to delete).
/// </summary>
internal sealed class CreatedNode(SocketDirectory directory, string name, string path, FileStatus file)
{
    private int _removed;

    public string Path => path;

    /// <summary>Its name in its directory.</summary>
    public string Name => name;

    /// <summary>The directory it was made in.</summary>
    public SocketDirectory Directory => directory;

    /// <summary>The file as made: its device, inode, owner and mode.</summary>
    public FileStatus File => file;

    /// <summary>Removes the file if it is still there; idempotent, never throws.</summary>
    public void Remove()
    {
        if (Interlocked.Exchange(ref _removed, 1) != 0)
        {
            return;
        }

        try
        {
            if (FileNodes.TryStatAt(directory.Handle, name, path) is { } now && now.Type == file.Type && now.IsSameFile(file))
            {
                FileNodes.UnlinkAt(directory.Handle, name, path);
            }
        }
        catch (NativeCallException)
        {
            // Gone already, or its directory cannot be changed any more (made
            // read-only, unmounted): the file stays, as a stale socket or FIFO
            // the next start replaces or adopts.
        }
        finally
        {
            directory.Dispose();
        }
    }
}
