using System.Runtime.InteropServices;

namespace SocketBridge.Native;

/// <summary>
/// One ready descriptor from <see cref="Epoll.Wait"/>: what the loop
/// registered it with (<see cref="Data"/>) and what it is ready for. A fixed
/// layout the C helper fills in (struct epoll_event is packed on x86-64 only).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct EpollEvent
{
    public ulong Data;
    public uint Events;
    private readonly uint _reserved;
}
