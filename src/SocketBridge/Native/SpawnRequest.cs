using System.Runtime.InteropServices;

namespace SocketBridge.Native;

/// <summary>Mirrors sb_spawn_request in socketbridge_native.h.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SpawnRequest
{
    public byte* Path;
    public byte** Argv;
    public byte** Envp;
    public byte* ListenPidDigits;
    public int* Fds;
    public int FdCount;
    public int NewSession;
    public byte* WorkingDirectory;
    public int SetCredentials;
    public uint Uid;
    public uint Gid;
    public uint* Groups;
    public int GroupCount;
    public int OpenFilesSoftLimit;
    public ResourceLimitEntry* Limits;
    public int LimitCount;
    public int SetNice;
    public int Nice;
    public int UMask;
    public int NoNewPrivileges;
    public int PrivateTmp;
    public int PrivateNetwork;
}
