using System.Buffers;
using Microsoft.Win32.SafeHandles;
using SocketBridge.Native;

namespace SocketBridge.Configuration;

/// <summary>
/// Reads one configuration file whole, for run, check, reload and the
/// status and reload commands. Only a regular file of at most
/// <see cref="MaxBytes"/> bytes of UTF-8 is read: a FIFO or a device
/// (/dev/zero) would hang the reader or fill its memory, and invalid UTF-8
/// would otherwise turn silently into U+FFFD in a program's arguments. The
/// file is opened without blocking and checked through the opened
/// descriptor (fstat), so what is checked is what is read. A symbolic link
/// is followed: configuration files linked into /etc are usual, and reading
/// through a link cannot change anything. A file someone other than root or
/// the daemon's own user may change is refused (<see cref="WriterProblem"/>).
/// </summary>
internal static class ConfigurationFileReader
{
    /// <summary>
    /// 4 MiB: a bridge takes a few hundred bytes, so this is room for
    /// thousands of them, while a 50 MB file took 2.8 s and 900 MB of memory
    /// to load, at every reload.
    /// </summary>
    public const int MaxBytes = 4 * 1024 * 1024;

    private static readonly byte[] ByteOrderMark = [0xEF, 0xBB, 0xBF];

    /// <summary>The file's text, or false with <paramref name="problem"/> saying (on one line, without the file name) why not.</summary>
    public static bool TryRead(string file, out string text, out string problem)
    {
        text = string.Empty;
        SafeFileHandle handle;
        FileStatus status;
        long size;
        try
        {
            handle = Posix.OpenForReading(file, out status, out size);
        }
        catch (NativeCallException ex)
        {
            problem = $"cannot read: {Errno.Message(ex.Errno)}";
            return false;
        }

        using (handle)
        {
            if (status.IsDirectory)
            {
                problem = "is a directory, not a configuration file";
                return false;
            }

            if (!status.IsRegularFile)
            {
                problem = $"is {status.Kind}, not a configuration file (it must be a regular file)";
                return false;
            }

            if (WriterProblem(status, file) is { } writers)
            {
                problem = writers;
                return false;
            }

            if (size > MaxBytes)
            {
                problem = $"is {size:N0} bytes; {Limit}";
                return false;
            }

            byte[] bytes = ArrayPool<byte>.Shared.Rent((int)size + 1);
            try
            {
                // Read to the end, not just the size fstat gave: the file may have grown since.
                int length = 0;
                while (true)
                {
                    if (length == bytes.Length)
                    {
                        if (length > MaxBytes)
                        {
                            problem = $"grew beyond {MaxBytes:N0} bytes while it was read; {Limit}";
                            return false;
                        }

                        byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Min(bytes.Length * 2, MaxBytes + 1));
                        bytes.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(bytes);
                        bytes = larger;
                    }

                    int read;
                    try
                    {
                        read = RandomAccess.Read(handle, bytes.AsSpan(length), length);
                    }
                    catch (IOException ex)
                    {
                        problem = $"cannot read: {ex.Message}";
                        return false;
                    }

                    if (read == 0)
                    {
                        break;
                    }

                    length += read;
                }

                return TryDecode(bytes.AsSpan(0, length), out text, out problem);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(bytes);
            }
        }
    }

    /// <summary>
    /// Whoever may change a configuration file decides what the daemon runs,
    /// and as whom: so, as sudo does with sudoers, only a file owned by root
    /// or the user running socketbridge, and writable by no one else (no
    /// other write bit, and group write only for the daemon's own group), is read. Checked on the opened file, so a
    /// symbolic link is judged by what it leads to.
    /// </summary>
    private static string? WriterProblem(FileStatus status, string file)
    {
        uint self = Posix.EffectiveUid;
        if (status.Uid != 0 && status.Uid != self)
        {
            string owner = Accounts.UserName(status.Uid) is { } name ? $"{name} (uid {status.Uid})" : $"uid {status.Uid}";
            return $"is owned by {owner}, not by root{(self == 0 ? string.Empty : " or the user running socketbridge")}: whoever may change it chooses what socketbridge runs; chown root {file}";
        }

        // Group write is allowed for the daemon's own group only (root's for root, a user's private
        // group under umask 002), as sudo allows it for sudoers.
        bool groupWrite = (status.Permissions & 0x10) != 0 && status.Gid != Posix.EffectiveGid;
        if ((status.Permissions & 0x2) != 0 || groupWrite) // 0002, 0020
        {
            string who = (status.Permissions & 0x2) != 0
                ? $"every user (mode {FileStatus.FormatMode(status.Permissions)})"
                : $"its group (gid {status.Gid}, mode {FileStatus.FormatMode(status.Permissions)})";
            return $"is writable by {who}: whoever may change it chooses what socketbridge runs; chmod go-w {file}";
        }

        return null;
    }

    /// <summary>Strict UTF-8 (a leading byte order mark is skipped); a bad sequence is named by its byte offset and line.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, out string text, out string problem)
    {
        int skipped = bytes.StartsWith(ByteOrderMark) ? ByteOrderMark.Length : 0;
        ReadOnlySpan<byte> content = bytes[skipped..];
        char[] chars = ArrayPool<char>.Shared.Rent(Math.Max(content.Length, 1));
        try
        {
            OperationStatus result = System.Text.Unicode.Utf8.ToUtf16(content, chars, out int consumed, out int written, replaceInvalidSequences: false);
            if (result != OperationStatus.Done)
            {
                int offset = skipped + consumed;
                int line = 1 + bytes[..offset].Count((byte)'\n');
                problem = result == OperationStatus.NeedMoreData
                    ? $"is not valid UTF-8: the file ends inside a multi-byte sequence at byte offset {offset} (line {line})"
                    : $"is not valid UTF-8: byte 0x{bytes[offset]:X2} at byte offset {offset} (line {line}) is not part of a UTF-8 character";
                text = string.Empty;
                return false;
            }

            text = new string(chars, 0, written);
            problem = string.Empty;
            return true;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    private static string Limit => $"a configuration file may be at most {MaxBytes / (1024 * 1024)} MiB ({MaxBytes:N0} bytes)";
}
