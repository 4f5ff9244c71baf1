using System.Net.Sockets;
using SocketBridge.Configuration;
using SocketBridge.Native;

namespace SocketBridge.Endpoints;

/// <summary>
/// Binds a Unix socket so that its file never has looser permissions than
/// SocketMode, not even for an instant: the socket is bound inside a fresh
/// 0700 directory, given its mode and owner there, made to listen, and only
/// then renamed into place (SPEC 8). A stale socket at the path is replaced
/// by that rename; a live one, or anything that is not a socket, is an error
/// and is left alone.
/// </summary>
public static class UnixSocketBinder
{
    public static BoundListener Bind(BridgeOptions bridge, UnixEndpoint endpoint)
    {
        return endpoint.IsAbstract
            ? BindAbstract(bridge, endpoint)
            : BindPath(endpoint, $"bridge {bridge.Name}: cannot listen on {endpoint}", bridge.SocketMode, bridge.SocketUid, bridge.SocketGid, bridge.Backlog);
    }

    private static BoundListener BindAbstract(BridgeOptions bridge, UnixEndpoint endpoint)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(endpoint.KernelPath));
            socket.Listen(bridge.Backlog);
            return new BoundListener(socket, endpoint);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            string reason = ex.SocketErrorCode == SocketError.AddressAlreadyInUse
                ? "another process is listening on it"
                : ex.Message;
            throw new ListenException($"bridge {bridge.Name}: cannot listen on {endpoint}: {reason}", ex);
        }
    }

    /// <summary>
    /// Binds a socket file at <paramref name="endpoint"/>'s path with
    /// <paramref name="mode"/> and owner; failures start with <paramref name="fail"/>.
    /// </summary>
    public static BoundListener BindPath(UnixEndpoint endpoint, string fail, uint mode, uint? uid, uint? gid, int backlog)
    {
        string path = endpoint.Path;
        CheckExisting(path, fail);

        string directory = Path.GetDirectoryName(path)!;
        string temporary;
        try
        {
            Directory.CreateDirectory(directory);
            temporary = Posix.MakeTemporaryDirectory(directory, ".sb");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ListenException($"{fail}: {ex.Message}", ex);
        }

        string staging = Path.Combine(temporary, "s");
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            if (System.Text.Encoding.UTF8.GetByteCount(staging) > EndpointParser.MaxUnixPathBytes)
            {
                throw new ListenException($"{fail}: the directory's path is too long to bind safely (the socket is bound in {temporary}/ first)");
            }

            socket.Bind(new UnixDomainSocketEndPoint(staging));
            Posix.Chmod(staging, mode);
            if (uid is not null || gid is not null)
            {
                Posix.Chown(staging, uid ?? uint.MaxValue, gid ?? uint.MaxValue);
            }

            socket.Listen(backlog);

            // Checked again just before the rename, which replaces the path atomically.
            CheckExisting(path, fail);
            Posix.Rename(staging, path);
            FileStatus created = Posix.TryLStat(path) ?? throw new ListenException($"{fail}: the socket vanished after rename");
            return new BoundListener(socket, endpoint, path, created);
        }
        catch (Exception ex) when (ex is SocketException or NativeCallException)
        {
            socket.Dispose();
            throw new ListenException($"{fail}: {ex.Message}", ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        finally
        {
            if (Posix.TryLStat(staging) is not null)
            {
                Posix.Unlink(staging);
            }

            Posix.RemoveDirectory(temporary);
        }
    }

    /// <summary>Refuses a path that is not a socket, or a socket someone is listening on.</summary>
    private static void CheckExisting(string path, string fail)
    {
        FileStatus? existing = Posix.TryLStat(path);
        if (existing is null)
        {
            return;
        }

        if (!existing.Value.IsSocket)
        {
            throw new ListenException($"{fail}: {path} exists and is {existing.Value.Kind}, not a socket; it was left untouched");
        }

        // Ask the kernel first: connecting would hand the other listener a connection.
        switch (Posix.UnixListenerExists(existing.Value))
        {
            case true:
                throw new ListenException($"{fail}: another process is listening on {path}");
            case false:
                return; // Stale: nobody listens; the rename will replace it.
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
            throw new ListenException($"{fail}: another process is listening on {path}");
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
        {
            // Stale: nobody listens; the rename will replace it.
        }
        catch (SocketException ex)
        {
            throw new ListenException($"{fail}: cannot tell whether {path} is in use: {ex.Message}", ex);
        }
    }
}
