using System.Runtime.InteropServices;

namespace SocketBridge.Native;

/// <summary>
/// Every P/Invoke of the daemon. Functions named sb_* are in
/// Native/sb_*.c; the rest are libc's own. Callers use the safe
/// wrappers beside this file (Posix, ProcessSpawner), never these directly.
/// A descriptor is passed as its SafeHandle, which the generated marshaller
/// holds for the call (the C side takes an intptr_t), except where it must
/// cross as an int inside a struct or array (sb_spawn, poll, epoll) or a
/// lease holds it already (SocketLease, the relay's loops).
/// </summary>
internal static unsafe partial class NativeMethods
{
    private const string Helper = "libsocketbridge-native";
    private const string Libc = "libc";
    private const string LibSystem = "/usr/lib/libSystem.B.dylib";

    [LibraryImport(Helper, EntryPoint = "sb_spawn")]
    internal static partial int Spawn(SpawnRequest* request, out SpawnStep failedStep);

    [LibraryImport(Helper, EntryPoint = "sb_wait_any_exited")]
    internal static partial int WaitAnyExited();

    [LibraryImport(Helper, EntryPoint = "sb_reap")]
    internal static partial int Reap(int pid, out int status, out ResourceUsage usage);

    [LibraryImport(Helper, EntryPoint = "sb_get_resource_limit")]
    internal static partial int GetResourceLimit(int kind, out ulong soft, out ulong hard);

    [LibraryImport(Helper, EntryPoint = "sb_reset_inherited_signals")]
    internal static partial int ResetInheritedSignals();

    [LibraryImport(Helper, EntryPoint = "sb_take_back_daemon_signals")]
    internal static partial int TakeBackDaemonSignals();

    [LibraryImport(Helper, EntryPoint = "sb_open_for_reading", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int OpenForReading(string path, out uint mode, out uint uid, out uint gid, out ulong dev, out ulong ino, out long size);

    [LibraryImport(Helper, EntryPoint = "sb_open_files_limit")]
    internal static partial int OpenFilesLimit(out ulong soft, out ulong hard);

    [LibraryImport(Helper, EntryPoint = "sb_raise_open_files_limit")]
    internal static partial int RaiseOpenFilesLimit();

    [LibraryImport(Helper, EntryPoint = "sb_open_descriptor_count")]
    internal static partial int OpenDescriptorCount();

    [LibraryImport(Helper, EntryPoint = "sb_descriptor_shortage")]
    internal static partial int DescriptorShortage();

    [LibraryImport(Helper, EntryPoint = "sb_accept_and_close")]
    internal static partial int AcceptAndClose(SafeHandle listener);

    [LibraryImport(Helper, EntryPoint = "sb_notify", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Notify(string address, byte* message, int length);

    [LibraryImport(Helper, EntryPoint = "sb_notify_with_fd", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int NotifyWithDescriptor(string address, byte* message, int length, SafeHandle descriptor);

    [LibraryImport(Helper, EntryPoint = "sb_lstat", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int LStat(string path, out uint mode, out uint uid, out uint gid, out ulong dev, out ulong ino);

    [LibraryImport(Helper, EntryPoint = "sb_lookup_user", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int LookupUser(string name, out uint uid, out uint gid);

    [LibraryImport(Helper, EntryPoint = "sb_user_name")]
    internal static partial int UserName(uint uid, byte* name, int size);

    [LibraryImport(Helper, EntryPoint = "sb_group_name")]
    internal static partial int GroupName(uint gid, byte* name, int size);

    [LibraryImport(Helper, EntryPoint = "sb_read_head", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ReadHead(string path, byte* buffer, int size);

    [LibraryImport(Helper, EntryPoint = "sb_has_access_acl", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int HasAccessAcl(string path);

    [LibraryImport(Helper, EntryPoint = "sb_argument_space")]
    internal static partial long ArgumentSpace();

    [LibraryImport(Helper, EntryPoint = "sb_bytes_readable")]
    internal static partial int BytesReadable(SafeHandle pipe);

    [LibraryImport(Helper, EntryPoint = "sb_queued_connections")]
    internal static partial int QueuedConnections(SafeHandle socket, ulong* ids, int capacity);

    [LibraryImport(Helper, EntryPoint = "sb_datagram_queue")]
    internal static partial int DatagramQueue(SafeHandle socket, out int length, byte* sender, ref int senderLength, out long queuedBytes);

    [LibraryImport(Helper, EntryPoint = "sb_lookup_group", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int LookupGroup(string name, out uint gid);

    [LibraryImport(Helper, EntryPoint = "sb_user_groups", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int UserGroups(string name, uint gid, uint* groups, int capacity);

    [LibraryImport(Helper, EntryPoint = "sb_peer_credentials")]
    internal static partial int PeerCredentials(SafeHandle socket, out int pid, out uint uid, out uint gid);

    [LibraryImport(Helper, EntryPoint = "sb_unix_listener_exists")]
    internal static partial int UnixListenerExists(ulong inode, uint majorDevice, uint minorDevice);

    [LibraryImport(Helper, EntryPoint = "sb_split_device")]
    internal static partial void SplitDevice(ulong device, out uint majorDevice, out uint minorDevice);

    [LibraryImport(Helper, EntryPoint = "sb_set_pipe_size")]
    internal static partial int SetPipeSize(int fd, int size);

    [LibraryImport(Helper, EntryPoint = "sb_get_pipe_size")]
    internal static partial int GetPipeSize(int fd);

    [LibraryImport(Helper, EntryPoint = "sb_set_cloexec")]
    internal static partial int SetCloseOnExec(int fd);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport(Helper, EntryPoint = "sb_clear_cloexec")]
    internal static partial int ClearCloseOnExec(int fd);

    [LibraryImport(Helper, EntryPoint = "sb_dup_inheritable")]
    internal static partial int DupInheritable(int fd);

    [LibraryImport(Helper, EntryPoint = "sb_memfd_sealed", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int MemfdSealed(string name, byte* data, int length);

    [LibraryImport(Helper, EntryPoint = "sb_memfd_seals")]
    internal static partial int MemfdSeals(int fd);

    [LibraryImport(Helper, EntryPoint = "sb_pread_all")]
    internal static partial int PreadAll(int fd, byte* buffer, int length, long offset);

    [LibraryImport(Helper, EntryPoint = "sb_file_size")]
    internal static partial long FileSize(int fd);

    [LibraryImport(Helper, EntryPoint = "sb_reexec")]
    internal static partial int Reexec(byte* path, byte** argv, byte** envp);

    [LibraryImport(Helper, EntryPoint = "sb_wait_readable")]
    internal static partial int WaitReadable(SafeHandle handle, int timeoutMilliseconds);

    [LibraryImport(Helper, EntryPoint = "sb_wait_any_readable")]
    internal static partial int WaitAnyReadable(int* fds, int count, int timeoutMilliseconds);

    [LibraryImport(Helper, EntryPoint = "sb_open_fifo_at", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int OpenFifoAt(SafeHandle directory, string name, int forWriting, out uint mode, out uint uid, out uint gid, out ulong dev, out ulong ino);

    /// <summary>The same relative to <see cref="FileNodes.CurrentDirectory"/> (AT_FDCWD), which no handle holds.</summary>
    [LibraryImport(Helper, EntryPoint = "sb_open_fifo_at", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int OpenFifoAt(nint directory, string name, int forWriting, out uint mode, out uint uid, out uint gid, out ulong dev, out ulong ino);

    [LibraryImport(Helper, EntryPoint = "sb_stat_at", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int StatAt(SafeHandle directory, string name, out uint mode, out uint uid, out uint gid, out ulong dev, out ulong ino);

    [LibraryImport(Helper, EntryPoint = "sb_open_path_at", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int OpenPathAt(SafeHandle directory, string name, int isDirectory);

    /// <summary>The same relative to <see cref="FileNodes.CurrentDirectory"/> (AT_FDCWD).</summary>
    [LibraryImport(Helper, EntryPoint = "sb_open_path_at", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int OpenPathAt(nint directory, string name, int isDirectory);

    [LibraryImport(Helper, EntryPoint = "sb_readlink_at", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ReadLinkAt(SafeHandle directory, string name, byte* buffer, int size);

    [LibraryImport(Helper, EntryPoint = "sb_make_directory_at", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int MakeDirectoryAt(SafeHandle directory, string name, uint mode);

    [LibraryImport(Helper, EntryPoint = "sb_make_fifo_at", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int MakeFifoAt(SafeHandle directory, string name);

    [LibraryImport(Helper, EntryPoint = "sb_unlink_at", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int UnlinkAt(SafeHandle directory, string name);

    [LibraryImport(Helper, EntryPoint = "sb_chown_node")]
    internal static partial int ChownNode(SafeHandle node, uint uid, uint gid);

    [LibraryImport(Helper, EntryPoint = "sb_chmod_node")]
    internal static partial int ChmodNode(SafeHandle node, uint mode);

    [LibraryImport(Helper, EntryPoint = "sb_unix_socket_file")]
    internal static partial int UnixSocketFile(SafeHandle socket, out ulong inode, out uint majorDevice, out uint minorDevice);

    [LibraryImport(Helper, EntryPoint = "sb_reopen_fifo_writer")]
    internal static partial int ReopenFifoWriter(SafeHandle reader);

    [LibraryImport(Helper, EntryPoint = "sb_set_nonblocking")]
    internal static partial int SetNonBlocking(SafeHandle handle, int on);

    [LibraryImport(Helper, EntryPoint = "sb_journal_send_memfd", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int JournalSendMemfd(SafeHandle socket, string path, byte* data, ulong length);

    [LibraryImport(Helper, EntryPoint = "sb_epoll_create")]
    internal static partial int EpollCreate();

    [LibraryImport(Helper, EntryPoint = "sb_epoll_ctl")]
    internal static partial int EpollControl(int epfd, int operation, int fd, uint events, ulong data);

    [LibraryImport(Helper, EntryPoint = "sb_epoll_wait")]
    internal static partial int EpollWait(int epfd, EpollEvent* events, int maxEvents, int timeoutMilliseconds);

    [LibraryImport(Helper, EntryPoint = "sb_eventfd")]
    internal static partial int EventFd();

    [LibraryImport(Helper, EntryPoint = "sb_eventfd_signal")]
    internal static partial int EventFdSignal(SafeHandle eventFd);

    [LibraryImport(Helper, EntryPoint = "sb_eventfd_reset")]
    internal static partial int EventFdReset(int fd);

    [LibraryImport(Helper, EntryPoint = "sb_splice")]
    internal static partial int SpliceNonBlocking(int fdIn, int fdOut, int length);

    [LibraryImport(Helper, EntryPoint = "sb_read")]
    internal static partial int ReadNonBlocking(int fd, byte* buffer, int length);

    [LibraryImport(Helper, EntryPoint = "sb_write")]
    internal static partial int WriteNonBlocking(int fd, byte* buffer, int length);

    [LibraryImport(Helper, EntryPoint = "sb_send")]
    internal static partial int SendNonBlocking(int fd, byte* buffer, int length);

    [LibraryImport(Helper, EntryPoint = "sb_shutdown_write")]
    internal static partial int ShutdownWrite(int fd);

    [LibraryImport(Helper, EntryPoint = "sb_reset_on_close")]
    internal static partial int ResetOnClose(int fd);

    [LibraryImport(Helper, EntryPoint = "sb_socket_error")]
    internal static partial int SocketError(SafeHandle socket);

    /// <summary>The same for a descriptor its caller holds already (a <see cref="SocketLease"/>).</summary>
    [LibraryImport(Helper, EntryPoint = "sb_socket_error")]
    internal static partial int SocketError(nint fd);

    [LibraryImport(Helper, EntryPoint = "sb_connect")]
    internal static partial int Connect(byte* address, int length, int type, out int fd);

    [LibraryImport(Helper, EntryPoint = "sb_message_peek")]
    internal static partial int MessagePeek(int fd, out int end);

    [LibraryImport(Helper, EntryPoint = "sb_set_socket_option")]
    internal static partial int SetSocketOption(SafeHandle socket, int option, int value);

    [LibraryImport(Helper, EntryPoint = "sb_get_socket_option")]
    internal static partial int GetSocketOption(SafeHandle socket, int option, out int value);

    [LibraryImport(Helper, EntryPoint = "sb_bind_to_device", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int BindToDevice(SafeHandle socket, string name);

    [LibraryImport(Helper, EntryPoint = "sb_interface_index", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial uint InterfaceIndex(string name);

    [LibraryImport(Libc, EntryPoint = "mkfifo", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int MkFifo(string path, uint mode);

    [LibraryImport(Libc, EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);

    [LibraryImport(Libc, EntryPoint = "access", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Access(string path, int mode);

    [LibraryImport(Libc, EntryPoint = "socketpair", SetLastError = true)]
    internal static partial int SocketPair(int domain, int type, int protocol, int* fds);

    [LibraryImport(Libc, EntryPoint = "pipe2", SetLastError = true)]
    internal static partial int Pipe2(int* fds, int flags);

    [LibraryImport(Libc, EntryPoint = "getgroups", SetLastError = true)]
    internal static partial int GetGroups(int size, uint* list);

    /// <summary>launch_activate_socket(3) (macOS): the descriptors of a launchd job's socket; the array is malloc'd.</summary>
    [LibraryImport(LibSystem, EntryPoint = "launch_activate_socket", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int LaunchActivateSocket(string name, out int* fds, out nuint count);

    [LibraryImport(LibSystem, EntryPoint = "free")]
    internal static partial void FreeLibSystem(void* pointer);

    [LibraryImport(Libc, EntryPoint = "geteuid")]
    internal static partial uint GetEUid();

    [LibraryImport(Libc, EntryPoint = "getegid")]
    internal static partial uint GetEGid();
}
