using Microsoft.Win32.SafeHandles;
using SocketBridge.Native;

namespace SocketBridge.Endpoints;

/// <summary>
/// Opens a bridge's <c>fifo:</c> Listen (SPEC 5, FIFO listeners; SPEC 8),
/// from the descriptor of its directory (<see cref="SocketDirectory"/>):
/// <list type="bullet">
/// <item>a missing FIFO is made with mode 0000 (mknodat), opened without
/// following a link, checked to be the one just made, and given its owner
/// and SocketMode through that descriptor, so it is never looser than
/// configured, not even for an instant;</item>
/// <item>an existing FIFO is adopted only when root, the daemon's user or
/// SocketUser owns it and its mode is no looser than SocketMode: someone
/// else's FIFO could be read, written or re-opened to others behind the
/// daemon's back;</item>
/// <item>anything else at the path is an error and is left untouched (not
/// even opened: opening a device can have effects).</item>
/// </list>
/// </summary>
internal static class FifoBinder
{
    /// <summary>A bridge's FIFO at <paramref name="endpoint"/>, made or adopted with the mode and owner of <paramref name="listen"/>'s socket files.</summary>
    public static FifoListener Bind(FifoEndpoint endpoint, ListenSettings listen)
    {
        string path = endpoint.Path;
        string name = Path.GetFileName(path);
        string fail = $"bridge {listen.Bridge}: cannot listen on {endpoint}";
        SocketFileSettings settings = listen.File;
        SocketDirectory directory = SocketDirectory.Open(Path.GetDirectoryName(path)!, new DirectoryTrust(Posix.EffectiveUid, settings.Uid), settings.DirectoryMode, fail);
        try
        {
            // Twice at most: a FIFO that appears between the look and mknodat is then looked at as an existing one.
            for (int attempt = 0; attempt < 2; attempt++)
            {
                FileStatus? existing = FileNodes.TryStatAt(directory.Handle, name, path);
                if (existing is { } found)
                {
                    FifoListener adopted = Adopt(endpoint, directory, name, found, settings, fail);
                    directory.Dispose();
                    return adopted;
                }

                if (FileNodes.TryMakeFifoAt(directory.Handle, name, path))
                {
                    return Create(endpoint, directory, name, settings, fail);
                }
            }

            throw new ListenException($"{fail}: {path} keeps changing while the FIFO is being made; it was left as it is");
        }
        catch (NativeCallException ex)
        {
            directory.Dispose();
            throw new ListenException($"{fail}: {ex.Message}", ex);
        }
        catch (ListenException)
        {
            directory.Dispose();
            throw;
        }
    }

    /// <summary>Gives the FIFO just made its owner and mode through its own descriptor, once it is certain to be that FIFO.</summary>
    private static FifoListener Create(FifoEndpoint endpoint, SocketDirectory directory, string name, SocketFileSettings settings, string fail)
    {
        string path = endpoint.Path;
        SafePipeHandle reader = Fifos.TryOpenAt(directory.Handle, name, forWriting: false, out FileStatus opened, out int errno)
            ?? throw new ListenException($"{fail}: {path} was replaced while the FIFO was being made ("
                + (errno != 0 ? Errno.Message(errno) : $"it is now {opened.Kind}") + "); it was left as it is");
        var created = new CreatedNode(directory, name, path, opened);
        SafePipeHandle? writer = null;
        try
        {
            // Only a FIFO the daemon made has its owner and no permissions at all.
            if (opened.Uid != Posix.EffectiveUid || opened.Permissions != 0)
            {
                throw new ListenException($"{fail}: {path} was replaced while the FIFO was being made (it is now owned by uid {opened.Uid}, mode {FileStatus.FormatMode(opened.Permissions)}); it was left as it is");
            }

            if (settings.Uid is not null || settings.Gid is not null)
            {
                FileNodes.ChangeOwner(reader, settings.Uid, settings.Gid, path);
            }

            FileNodes.ChangeMode(reader, settings.Mode, path);
            writer = Fifos.ReopenWriter(reader);
            return new FifoListener(endpoint, reader, writer, created);
        }
        catch (Exception ex) when (ex is NativeCallException or ListenException)
        {
            writer?.Dispose();
            reader.Dispose();
            if (ex is ListenException)
            {
                directory.Dispose(); // not ours: leave whatever is there
                throw;
            }

            created.Remove();
            throw new ListenException($"{fail}: {ex.Message}", ex);
        }
    }

    /// <summary>Uses an existing FIFO when it is as safe as one the daemon would make.</summary>
    private static FifoListener Adopt(FifoEndpoint endpoint, SocketDirectory directory, string name, FileStatus existing, SocketFileSettings settings, string fail)
    {
        string path = endpoint.Path;
        if (!existing.IsFifo)
        {
            throw new ListenException($"{fail}: {path} exists and is {existing.Kind}, not a FIFO; it was left untouched");
        }

        bool trustedOwner = existing.Uid == 0 || existing.Uid == Posix.EffectiveUid || existing.Uid == settings.Uid;
        uint looser = existing.Permissions & ~settings.Mode;
        if (!trustedOwner || looser != 0)
        {
            string what = !trustedOwner
                ? $"is owned by {DirectoryTrust.Owner(existing.Uid)}, not by root, the daemon's user or SocketUser"
                : $"has mode {FileStatus.FormatMode(existing.Permissions)}, looser than SocketMode {FileStatus.FormatMode(settings.Mode)}";
            throw new ListenException($"{fail}: the existing FIFO {path} {what}, so others could read or write it behind the daemon's back; it was left untouched: "
                + "remove it, and the daemon makes its own, or give it a trusted owner and a mode no looser than SocketMode");
        }

        SafePipeHandle reader = Open(directory, name, path, fail, out FileStatus opened);
        try
        {
            if (!opened.IsSameFile(existing))
            {
                throw new ListenException($"{fail}: {path} was replaced while it was being opened; it was left as it is");
            }

            return new FifoListener(endpoint, reader, Fifos.ReopenWriter(reader), created: null);
        }
        catch (Exception ex) when (ex is NativeCallException or ListenException)
        {
            reader.Dispose();
            throw ex as ListenException ?? new ListenException($"{fail}: {ex.Message}", ex);
        }
    }

    private static SafePipeHandle Open(SocketDirectory directory, string name, string path, string fail, out FileStatus opened)
    {
        SafePipeHandle? reader = Fifos.TryOpenAt(directory.Handle, name, forWriting: false, out opened, out int errno);
        if (reader is not null)
        {
            return reader;
        }

        string reason = errno != 0 ? Errno.Message(errno) : $"{path} is {opened.Kind}, not a FIFO; it was left untouched";
        throw new ListenException($"{fail}: {reason}");
    }
}
