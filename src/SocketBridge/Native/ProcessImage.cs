using System.Runtime.InteropServices;
using System.Text;

namespace SocketBridge.Native;

/// <summary>The daemon's own program image: execve(2) of it again, in this very process.</summary>
internal static unsafe class ProcessImage
{
    /// <summary>Lets <paramref name="fd"/> survive the next execve (clears FD_CLOEXEC).</summary>
    public static void KeepAcrossExec(int fd)
    {
        int rc = NativeMethods.ClearCloseOnExec(fd);
        if (rc < 0)
        {
            throw new NativeCallException("fcntl(F_SETFD)", $"fd {fd}", -rc);
        }
    }

    /// <summary>
    /// A copy of the descriptor <paramref name="handle"/> holds, made while
    /// the handle is referenced (so its number cannot be closed and reused
    /// meanwhile), that survives execve; -1 when the handle is closed already.
    /// </summary>
    public static int DuplicateForExec(SafeHandle handle)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return DuplicateForExec((int)handle.DangerousGetHandle());
        }
        catch (ObjectDisposedException)
        {
            return -1;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>The same for a descriptor no one can close meanwhile (a relay loop held still holds it).</summary>
    public static int DuplicateForExec(int fd)
    {
        int copy = NativeMethods.DupInheritable(fd);
        if (copy < 0)
        {
            throw new NativeCallException("fcntl(F_DUPFD)", $"fd {fd}", -copy);
        }

        return copy;
    }

    /// <summary>Closes <paramref name="fd"/> at the next execve again (an exec that failed).</summary>
    public static bool CloseAcrossExec(int fd) => NativeMethods.SetCloseOnExec(fd) == 0;

    /// <summary>
    /// Replaces this process's program with <paramref name="path"/>. Returns
    /// only when execve failed: its errno. Every thread but the caller's
    /// ends with the old image.
    /// </summary>
    public static int Exec(string path, IReadOnlyList<string> arguments, IReadOnlyList<string> environment)
    {
        var strings = new List<IntPtr>(arguments.Count + environment.Count + 1);
        try
        {
            byte* file = Allocate(path, strings);
            byte** argv = (byte**)NativeMemory.AllocZeroed((nuint)(arguments.Count + 1), (nuint)sizeof(byte*));
            byte** envp = (byte**)NativeMemory.AllocZeroed((nuint)(environment.Count + 1), (nuint)sizeof(byte*));
            strings.Add((IntPtr)argv);
            strings.Add((IntPtr)envp);
            for (int i = 0; i < arguments.Count; i++)
            {
                argv[i] = Allocate(arguments[i], strings);
            }

            for (int i = 0; i < environment.Count; i++)
            {
                envp[i] = Allocate(environment[i], strings);
            }

            return -NativeMethods.Reexec(file, argv, envp);
        }
        finally
        {
            foreach (IntPtr allocated in strings)
            {
                NativeMemory.Free((void*)allocated);
            }
        }
    }

    private static byte* Allocate(string text, List<IntPtr> allocated)
    {
        int length = Encoding.UTF8.GetByteCount(text);
        byte* bytes = (byte*)NativeMemory.Alloc((nuint)length + 1);
        allocated.Add((IntPtr)bytes);
        Encoding.UTF8.GetBytes(text, new Span<byte>(bytes, length));
        bytes[length] = 0;
        return bytes;
    }
}
