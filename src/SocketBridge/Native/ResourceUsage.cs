using System.Runtime.InteropServices;

namespace SocketBridge.Native;

/// <summary>
/// What a reaped program used, from the kernel's account at wait4(2): CPU
/// time in user and system mode (µs) and its largest resident set (KiB), its
/// own and that of the children it waited for. Mirrors sb_usage in
/// socketbridge_native.h.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly record struct ResourceUsage(long UserMicroseconds, long SystemMicroseconds, long MaxResidentKib);
