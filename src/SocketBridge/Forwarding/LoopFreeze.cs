using SocketBridge.Handover;

namespace SocketBridge.Forwarding;

/// <summary>
/// One <see cref="RelayLoop"/> held still for a re-exec: what it captured,
/// and the signal that lets it go on (when the exec did not happen).
/// </summary>
internal sealed class LoopFreeze : IDisposable
{
    private readonly TaskCompletionSource<IReadOnlyList<(string Tag, RelayHandover Relay)>> _captured = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ManualResetEventSlim _thawed = new(false);

    public Task<IReadOnlyList<(string Tag, RelayHandover Relay)>> Captured => _captured.Task;

    public void Complete(IReadOnlyList<(string Tag, RelayHandover Relay)> relays) => _captured.TrySetResult(relays);

    public void Fail(Exception error) => _captured.TrySetException(error);

    /// <summary>On the loop's thread: blocks until <see cref="Thaw"/>.</summary>
    public void WaitForThaw() => _thawed.Wait();

    public void Thaw() => _thawed.Set();

    public void Dispose() => _thawed.Dispose();
}
