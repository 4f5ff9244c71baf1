namespace SocketBridge.Native;

/// <summary>
/// A memfd(2) sealed against every change once written (F_SEAL_WRITE,
/// GROW, SHRINK, SEAL): what the daemon hands its next image across
/// execve(2). Nobody, not even the daemon, can change it after it is made.
/// </summary>
internal static unsafe class SealedMemory
{
    /// <summary>The seals a handover file must carry, all of them (F_SEAL_SEAL | SHRINK | GROW | WRITE).</summary>
    public const int AllSeals = 0x1 | 0x2 | 0x4 | 0x8;

    /// <summary>A new sealed memfd named <paramref name="name"/> holding <paramref name="content"/>; close-on-exec.</summary>
    public static int Create(string name, ReadOnlySpan<byte> content)
    {
        fixed (byte* data = content)
        {
            int fd = NativeMethods.MemfdSealed(name, data, content.Length);
            if (fd < 0)
            {
                throw new NativeCallException("memfd_create", name, -fd);
            }

            return fd;
        }
    }

    /// <summary>
    /// The content of the memfd at <paramref name="fd"/>, or an explanation
    /// of why it is not one the daemon made (not a memfd, not sealed, too large).
    /// </summary>
    public static byte[] Read(int fd, string subject, int maxLength)
    {
        int seals = NativeMethods.MemfdSeals(fd);
        if (seals < 0)
        {
            throw new NativeCallException("fcntl(F_GET_SEALS)", subject, -seals);
        }

        if ((seals & AllSeals) != AllSeals)
        {
            throw new InvalidDataException($"{subject} is not sealed (seals 0x{seals:x}): not a handover this daemon wrote");
        }

        long size = NativeMethods.FileSize(fd);
        if (size < 0)
        {
            throw new NativeCallException("lseek", subject, (int)-size);
        }

        if (size > maxLength)
        {
            throw new InvalidDataException($"{subject} holds {size} bytes, more than the {maxLength} a handover may");
        }

        byte[] content = new byte[size];
        fixed (byte* buffer = content)
        {
            int n = NativeMethods.PreadAll(fd, buffer, content.Length, 0);
            if (n < 0)
            {
                throw new NativeCallException("pread", subject, -n);
            }

            return n == content.Length ? content : content[..n];
        }
    }
}
