namespace SocketBridge.Native;

/// <summary>
/// A thread of this process as /proc shows it at one moment: whether it is
/// running or waiting for a CPU, and the CPU time (user and system, in clock
/// ticks) it has used so far.
/// </summary>
internal readonly record struct ThreadActivity(bool Runnable, long CpuTicks);
