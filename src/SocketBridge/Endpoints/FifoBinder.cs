using Microsoft.Win32.SafeHandles;
using SocketBridge.Configuration;
using SocketBridge.Native;

namespace SocketBridge.Endpoints;

/// <summary>
/// Opens a bridge's <c>fifo:</c> Listen (SPEC 5, FIFO listeners; SPEC 8). A
/// missing FIFO is created so that it never has looser permissions than
/// SocketMode, not even for an instant: made with mkfifo(3) inside a fresh
/// 0700 directory beside the path, given its mode and owner there, opened,
/// and only then renamed into place. An existing FIFO is used as it is;
/// anything else at the path is an error and is left untouched.
/// </summary>
public static class FifoBinder
{
    public static FifoListener Bind(BridgeOptions bridge, FifoEndpoint endpoint)
    {
        string path = endpoint.Path;
        string fail = $"bridge {bridge.Name}: cannot listen on {endpoint}";
        return Posix.TryLStat(path) is { } existing ? OpenExisting(endpoint, existing, fail) : Create(bridge, endpoint, fail);
    }

    private static FifoListener OpenExisting(FifoEndpoint endpoint, FileStatus existing, string fail)
    {
        string path = endpoint.Path;
        if (!existing.IsFifo)
        {
            throw new ListenException($"{fail}: {path} exists and is {existing.Kind}, not a FIFO; it was left untouched");
        }

        SafePipeHandle reader = OpenReader(path, fail);
        try
        {
            return new FifoListener(endpoint, reader, Fifos.ReopenWriter(reader), created: null);
        }
        catch (NativeCallException ex)
        {
            reader.Dispose();
            throw new ListenException($"{fail}: {ex.Message}", ex);
        }
    }

    private static FifoListener Create(BridgeOptions bridge, FifoEndpoint endpoint, string fail)
    {
        string path = endpoint.Path;
        string temporary;
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            temporary = Posix.MakeTemporaryDirectory(System.IO.Path.GetDirectoryName(path)!, ".sb");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ListenException($"{fail}: {ex.Message}", ex);
        }

        string staging = System.IO.Path.Combine(temporary, "f");
        SafePipeHandle? reader = null, writer = null;
        try
        {
            Fifos.Create(staging, 0x180); // 0600 until chmod; the directory is 0700 anyway.
            Posix.Chmod(staging, bridge.SocketMode);
            if (bridge.SocketUid is not null || bridge.SocketGid is not null)
            {
                Posix.Chown(staging, bridge.SocketUid ?? uint.MaxValue, bridge.SocketGid ?? uint.MaxValue);
            }

            reader = OpenReader(staging, fail);
            writer = Fifos.ReopenWriter(reader);

            // rename(2) would replace whatever appeared at the path meanwhile: look once more just before.
            if (Posix.TryLStat(path) is { } appeared)
            {
                throw new ListenException($"{fail}: {path} appeared while the FIFO was being created ({appeared.Kind}); it was left untouched");
            }

            Posix.Rename(staging, path);
            FileStatus created = Posix.TryLStat(path) ?? throw new ListenException($"{fail}: the FIFO vanished after rename");
            var listener = new FifoListener(endpoint, reader, writer, created);
            reader = writer = null;
            return listener;
        }
        catch (NativeCallException ex)
        {
            throw new ListenException($"{fail}: {ex.Message}", ex);
        }
        finally
        {
            writer?.Dispose();
            reader?.Dispose();
            if (Posix.TryLStat(staging) is not null)
            {
                Posix.Unlink(staging);
            }

            Posix.RemoveDirectory(temporary);
        }
    }

    private static SafePipeHandle OpenReader(string path, string fail)
    {
        SafePipeHandle? reader = Fifos.TryOpen(path, forWriting: false, out FileStatus opened, out int errno);
        if (reader is not null)
        {
            return reader;
        }

        string reason = errno != 0 ? Fifos.Describe(errno) : $"{path} is {opened.Kind}, not a FIFO; it was left untouched";
        throw new ListenException($"{fail}: {reason}");
    }
}
