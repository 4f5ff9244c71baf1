using SocketBridge.Native;

namespace SocketBridge.Processes;

/// <summary>How a launched program ended: an exit status, or the signal that killed it.</summary>
internal readonly record struct ChildExit(int? ExitStatus, int? Signal)
{
    /// <summary>What it used, as the kernel counted it when it was reaped.</summary>
    public ResourceUsage Usage { get; init; }

    /// <summary>The signal the daemon sent its group last because RuntimeMax was reached (SIGTERM, then SIGKILL); 0 when it was not.</summary>
    public int RuntimeMaxSignal { get; init; }

    /// <summary>The name of <see cref="RuntimeMaxSignal"/> (TERM, KILL), or empty.</summary>
    public string RuntimeMaxSignalName => RuntimeMaxSignal != 0 ? SignalNames.Name(RuntimeMaxSignal) : string.Empty;

    /// <summary>Decodes a wait(2) status word.</summary>
    public static ChildExit FromWaitStatus(int status)
    {
        int signal = status & 0x7f;
        return signal == 0 ? new ChildExit((status >> 8) & 0xff, null) : new ChildExit(null, signal);
    }

    /// <summary>The wait(2) status word again, for a handover across a re-exec.</summary>
    public int ToWaitStatus() => Signal is { } s ? s : (ExitStatus ?? 0) << 8;

    public string SignalName => Signal is { } s ? SignalNames.Name(s) : string.Empty;

    public override string ToString() => ExitStatus is { } code ? $"status {code}" : $"signal {SignalName}";
}
