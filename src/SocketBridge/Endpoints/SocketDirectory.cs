using Microsoft.Win32.SafeHandles;
using SocketBridge.Native;

namespace SocketBridge.Endpoints;

/// <summary>
/// The directory a socket file or FIFO is made in, opened once as a
/// descriptor by walking its path from <c>/</c> one component at a time
/// (openat(2) with O_NOFOLLOW), every directory on the way checked by
/// <see cref="DirectoryTrust"/>, so that no later step resolves that path
/// again (SPEC 8). Missing directories are created with exactly their mode,
/// whatever the umask (0755, or the mode asked for the last one). A symbolic
/// link on the way is followed only when root or the daemon's user owns it
/// (<c>/var/run</c> → <c>/run</c>), as systemd's chase() does with CHASE_SAFE.
/// </summary>
internal sealed class SocketDirectory : IDisposable
{
    /// <summary>The mode of a directory the daemon creates on the way (systemd's DirectoryMode= default).</summary>
    public const uint DefaultMode = 0x1ED; // 0755

    /// <summary>As the kernel's path resolution allows (MAXSYMLINKS).</summary>
    private const int MaxSymbolicLinks = 40;

    private SocketDirectory(SafeFileHandle handle, string path)
    {
        Handle = handle;
        Path = path;
    }

    /// <summary>A directory descriptor the daemon's previous image opened (a re-exec).</summary>
    public static SocketDirectory Adopt(int fd, string path) => new(new SafeFileHandle(fd, ownsHandle: true), path);

    /// <summary>The directory's O_PATH descriptor, for the *at calls.</summary>
    public SafeFileHandle Handle { get; }

    /// <summary>The directory's path as resolved (symbolic links followed), for messages.</summary>
    public string Path { get; }

    /// <summary>
    /// Opens <paramref name="path"/>, creating what is missing (the last
    /// directory with <paramref name="lastMode"/>); failures are
    /// <see cref="ListenException"/>s starting with <paramref name="fail"/>.
    /// </summary>
    public static SocketDirectory Open(string path, DirectoryTrust trust, uint lastMode, string fail)
    {
        try
        {
            return Walk(path, trust, lastMode, create: true)!;
        }
        catch (UntrustedPathException ex)
        {
            throw new ListenException($"{fail}: {ex.Message}", ex);
        }
        catch (NativeCallException ex)
        {
            throw new ListenException($"{fail}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// What would stop the daemon from making a file in <paramref name="path"/>,
    /// checked without changing anything (for <c>check</c> and loading): the
    /// directories that exist so far, each as <see cref="Open"/> checks it;
    /// missing ones would be made safely. Null when there is nothing to say.
    /// </summary>
    public static string? Problem(string path, DirectoryTrust trust)
    {
        try
        {
            Walk(path, trust, DefaultMode, create: false)?.Dispose();
            return null;
        }
        catch (Exception ex) when (ex is UntrustedPathException or NativeCallException)
        {
            return ex.Message;
        }
    }

    /// <summary>The walk of <see cref="Open"/>; without <paramref name="create"/>, null at the first missing directory.</summary>
    private static SocketDirectory? Walk(string path, DirectoryTrust trust, uint lastMode, bool create)
    {
        var stack = new Stack<(SafeFileHandle Handle, string Path)>();
        try
        {
            stack.Push((OpenRoot(trust), "/"));
            var pending = new LinkedList<string>(Components(path));
            int links = 0, races = 0;
            while (pending.First is { } first)
            {
                string name = first.Value;
                pending.RemoveFirst();
                if (name == ".")
                {
                    continue;
                }

                if (name == "..")
                {
                    if (stack.Count > 1)
                    {
                        stack.Pop().Handle.Dispose();
                    }

                    continue;
                }

                (SafeFileHandle parent, string parentPath) = stack.Peek();
                string here = parentPath == "/" ? "/" + name : parentPath + "/" + name;
                FileStatus? status = FileNodes.TryStatAt(parent, name, here);
                if (status is null)
                {
                    if (!create)
                    {
                        return null;
                    }

                    uint mode = pending.Count == 0 ? lastMode : DefaultMode;
                    SafeFileHandle? made = FileNodes.TryMakeDirectoryAt(parent, name, mode, here);
                    if (made is null)
                    {
                        if (++races > 3)
                        {
                            throw new UntrustedPathException($"{here} keeps appearing and vanishing while the daemon creates it");
                        }

                        pending.AddFirst(name); // made by someone else meanwhile: look again
                        continue;
                    }

                    stack.Push((made, here));
                    Check(made, here, trust);
                    continue;
                }

                if (status.Value.IsSymbolicLink)
                {
                    if (++links > MaxSymbolicLinks)
                    {
                        throw new UntrustedPathException($"too many symbolic links on the way to {path}");
                    }

                    if (!trust.MayFollow(status.Value))
                    {
                        throw new UntrustedPathException($"{here} is a symbolic link owned by {DirectoryTrust.Owner(status.Value.Uid)}; only links owned by root or the daemon's user are followed");
                    }

                    string target = FileNodes.ReadLinkAt(parent, name, here);
                    if (target.StartsWith('/'))
                    {
                        while (stack.Count > 1)
                        {
                            stack.Pop().Handle.Dispose();
                        }
                    }

                    foreach (string component in Components(target).Reverse())
                    {
                        pending.AddFirst(component);
                    }

                    continue;
                }

                if (!status.Value.IsDirectory)
                {
                    throw new UntrustedPathException($"{here} is {status.Value.Kind}, not a directory");
                }

                SafeFileHandle opened = FileNodes.TryOpenPath(parent, name, isDirectory: true, out int errno)
                    ?? throw new UntrustedPathException($"{here} changed while it was being opened ({new NativeCallException("openat", here, errno).Message})");
                stack.Push((opened, here));
                Check(opened, here, trust);
            }

            (SafeFileHandle handle, string resolved) = stack.Pop();
            return new SocketDirectory(handle, resolved);
        }
        finally
        {
            while (stack.Count > 0)
            {
                stack.Pop().Handle.Dispose();
            }
        }
    }

    public void Dispose() => Handle.Dispose();

    private static SafeFileHandle OpenRoot(DirectoryTrust trust)
    {
        SafeFileHandle root = FileNodes.TryOpenPath(null, "/", isDirectory: true, out int errno)
            ?? throw new NativeCallException("openat", "/", errno);
        try
        {
            Check(root, "/", trust);
            return root;
        }
        catch
        {
            root.Dispose();
            throw;
        }
    }

    /// <summary>Refuses a directory that someone other than the trusted users could change (checked on the opened descriptor itself).</summary>
    private static void Check(SafeFileHandle directory, string path, DirectoryTrust trust)
    {
        if (trust.Problem(FileNodes.Stat(directory, path), path) is { } problem)
        {
            throw new UntrustedPathException(problem);
        }
    }

    /// <summary>Why the walk stopped: a directory or link on the way that the daemon may not rely on.</summary>
    private sealed class UntrustedPathException(string message) : Exception(message);

    private static string[] Components(string path) =>
        path.Split('/', StringSplitOptions.RemoveEmptyEntries);
}
