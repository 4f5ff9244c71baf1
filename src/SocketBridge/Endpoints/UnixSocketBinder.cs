using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using SocketBridge.Native;

namespace SocketBridge.Endpoints;

/// <summary>
/// Binds a Unix socket of any type (stream, datagram, seqpacket) at its
/// configured path (SPEC 8), so that its own
/// address (getsockname) is that path, as sd_is_socket_unix(3) and
/// <c>ss -xl</c> expect, and its file never has a looser mode, or another
/// owner's permissions, than configured, not even for an instant:
/// <list type="number">
/// <item>the directory is opened once as a descriptor, every directory on
/// the way checked (<see cref="SocketDirectory"/>);</item>
/// <item>a stale socket at the name is removed; a live one, or anything
/// that is not a socket, is an error and is left alone;</item>
/// <item>the socket gets mode 0000 before bind(2), and bind creates its
/// file with the socket's own mode (less the umask), so it appears open to
/// no one;</item>
/// <item>the file at the name is opened (O_PATH, never a symbolic link) and
/// checked with sock_diag(7) to be the one this bind created, then given its
/// owner and its mode through that descriptor: a name swapped meanwhile by
/// whoever may write the directory is refused, never changed.</item>
/// </list>
/// </summary>
internal static class UnixSocketBinder
{
    /// <summary>A bridge's Unix socket <paramref name="endpoint"/>, abstract or at a path, with the socket <paramref name="options"/> that apply to it.</summary>
    public static BoundListener Bind(UnixEndpoint endpoint, SocketOptions options, ListenSettings settings)
    {
        return endpoint.IsAbstract
            ? BindAbstract(settings, endpoint, options)
            : BindPath(endpoint, $"bridge {settings.Bridge}: cannot listen on {endpoint}", settings.File, settings.Backlog, options);
    }

    private static BoundListener BindAbstract(ListenSettings settings, UnixEndpoint endpoint, SocketOptions options)
    {
        var socket = new Socket(AddressFamily.Unix, endpoint.Type, ProtocolType.Unspecified);
        try
        {
            IReadOnlyList<string> notes = SocketOptionsApplier.BeforeBind(socket, options, dualStack: false);
            socket.Bind(new UnixDomainSocketEndPoint(endpoint.KernelPath));
            Listen(socket, settings.Backlog);
            return new BoundListener(socket, endpoint) { Notes = notes };
        }
        catch (Exception ex) when (ex is SocketException or SocketOptionException)
        {
            socket.Dispose();
            string reason = ex is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }
                ? "another process is listening on it"
                : ex.Message;
            throw new ListenException($"bridge {settings.Bridge}: cannot listen on {endpoint}: {reason}", ex);
        }
    }

    /// <summary>
    /// Binds a socket file at <paramref name="endpoint"/>'s path with the
    /// mode and owner of <paramref name="file"/> and the socket <paramref name="options"/>
    /// that apply to it; failures start with <paramref name="fail"/>.
    /// </summary>
    public static BoundListener BindPath(UnixEndpoint endpoint, string fail, SocketFileSettings file, int backlog, SocketOptions? options = null)
    {
        string path = endpoint.Path;
        string name = Path.GetFileName(path);
        SocketDirectory directory = SocketDirectory.Open(Path.GetDirectoryName(path)!, new DirectoryTrust(Posix.EffectiveUid, file.Uid), file.DirectoryMode, fail);
        var socket = new Socket(AddressFamily.Unix, endpoint.Type, ProtocolType.Unspecified);
        CreatedNode? created = null;
        try
        {
            RemoveStale(directory, name, path, endpoint.Type, fail);
            IReadOnlyList<string> notes = SocketOptionsApplier.BeforeBind(socket, options ?? SocketOptions.None, dualStack: false);

            // The file bind(2) makes takes the socket's own mode less the umask: none at all, for now.
            FileNodes.ChangeMode(socket.SafeHandle, 0, path);
            try
            {
                socket.Bind(new UnixDomainSocketEndPoint(path));
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                throw new ListenException($"{fail}: {path} appeared while the socket was being made; it was left untouched", ex);
            }

            using SafeFileHandle node = OpenBoundFile(socket, directory, name, path, fail);
            created = new CreatedNode(directory, name, path, FileNodes.Stat(node, path));
            if (file.Uid is not null || file.Gid is not null)
            {
                FileNodes.ChangeOwner(node, file.Uid, file.Gid, path);
            }

            FileNodes.ChangeMode(node, file.Mode, path);
            Listen(socket, backlog);
            return new BoundListener(socket, endpoint, created) { Notes = notes };
        }
        catch (Exception ex) when (ex is SocketException or NativeCallException or SocketOptionException)
        {
            Abandon(socket, created, directory);
            throw new ListenException($"{fail}: {ex.Message}", ex);
        }
        catch
        {
            Abandon(socket, created, directory);
            throw;
        }
    }

    /// <summary>
    /// The file at <paramref name="name"/>, opened without following a
    /// link, once it is certain to be the one <paramref name="socket"/>'s
    /// bind(2) created: the kernel says so (sock_diag), or, where it cannot,
    /// the file is a socket only the daemon could have made (its owner, mode 0000).
    /// </summary>
    private static SafeFileHandle OpenBoundFile(Socket socket, SocketDirectory directory, string name, string path, string fail)
    {
        SafeFileHandle? node = FileNodes.TryOpenPath(directory.Handle, name, isDirectory: false, out int errno);
        if (node is null)
        {
            throw new ListenException($"{fail}: {path} was removed or replaced while the socket was being made ({new NativeCallException("openat", path, errno).Message}); it was left as it is");
        }

        FileStatus status = FileNodes.Stat(node, path);
        bool ours = status.IsSocket && status.Uid == Posix.EffectiveUid && status.Permissions == 0
            && FileNodes.IsBoundFileOf(socket.SafeHandle, status) != false;
        if (!ours)
        {
            node.Dispose();
            throw new ListenException($"{fail}: {path} was replaced while the socket was being made (it is now {status.Kind} owned by uid {status.Uid}); it was left as it is");
        }

        return node;
    }

    /// <summary>listen(2) for a stream or seqpacket socket; a datagram socket has no connections to queue.</summary>
    private static void Listen(Socket socket, int backlog)
    {
        if (socket.SocketType != SocketType.Dgram)
        {
            socket.Listen(backlog);
        }
    }

    /// <summary>Refuses a path that is not a socket, or a socket someone is listening on (or receiving datagrams at); removes a stale one.</summary>
    private static void RemoveStale(SocketDirectory directory, string name, string path, SocketType type, string fail)
    {
        FileStatus? existing = FileNodes.TryStatAt(directory.Handle, name, path);
        if (existing is null)
        {
            return;
        }

        if (!existing.Value.IsSocket)
        {
            throw new ListenException($"{fail}: {path} exists and is {existing.Value.Kind}, not a socket; it was left untouched");
        }

        if (IsListenedOn(existing.Value, path, type, fail))
        {
            throw new ListenException($"{fail}: another process is listening on {path}");
        }

        FileNodes.UnlinkAt(directory.Handle, name, path);
    }

    private static bool IsListenedOn(FileStatus existing, string path, SocketType type, string fail)
    {
        // Ask the kernel first (a listening socket, or a datagram socket bound
        // to the file, of any type): connecting would hand the other listener a connection.
        if (Posix.UnixListenerExists(existing) is { } known)
        {
            return known;
        }

        using var probe = new Socket(AddressFamily.Unix, type, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return false;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ProtocolType)
        {
            // EPROTOTYPE: a live socket of another type is bound there (a
            // stale file, with no socket at all, refuses every type alike).
            return true;
        }
        catch (SocketException ex)
        {
            throw new ListenException($"{fail}: cannot tell whether {path} is in use: {ex.Message}", ex);
        }
    }

    /// <summary>After a failure: the socket closed, its file removed if it is still the one made, the directory released.</summary>
    private static void Abandon(Socket socket, CreatedNode? created, SocketDirectory directory)
    {
        socket.Dispose();
        if (created is not null)
        {
            created.Remove(); // releases the directory too
        }
        else
        {
            directory.Dispose();
        }
    }
}
