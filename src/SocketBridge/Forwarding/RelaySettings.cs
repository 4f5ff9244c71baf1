namespace SocketBridge.Forwarding;

/// <summary>
/// How a relay loop moves bytes: the pipe size asked of F_SETPIPE_SZ, and
/// whether bulk transfers are spliced (false: always copied, what the loop
/// does anyway with a socket the kernel will not splice from). A relay's
/// pipes are numbered below <see cref="DescriptorCeiling"/>, so they never
/// take descriptors kept in reserve for the rest of the daemon.
/// </summary>
internal sealed record RelaySettings(int PipeSize, bool Splice)
{
    public int DescriptorCeiling { get; init; } = int.MaxValue;
}
