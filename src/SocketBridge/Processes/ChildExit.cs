namespace SocketBridge.Processes;

/// <summary>How a launched program ended: an exit status, or the signal that killed it.</summary>
internal readonly record struct ChildExit(int? ExitStatus, int? Signal)
{
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
