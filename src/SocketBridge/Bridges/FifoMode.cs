using SocketBridge.Endpoints;
using SocketBridge.Forwarding;

using SocketBridge.Handover;

namespace SocketBridge.Bridges;

/// <summary>
/// Spawn or forward mode on a <c>fifo:</c> Listen (SPEC 5, FIFO listeners):
/// one loop a FIFO. It waits, on the relay loops' epoll and so with no
/// thread of its own and no CPU, until the FIFO is readable; a session
/// begins, which the <see cref="IFifoSessionHandler"/> serves (the spawn
/// handler launches the program, the forward handler copies to Target);
/// then it waits for the next. Sessions of one FIFO follow each other.
/// </summary>
internal sealed class FifoMode(IFifoSessionHandler handler, RelayEngine readiness) : IBridgeMode
{
    public ValueTask DisposeAsync() => handler.DisposeAsync();

    public BridgeHandover Capture(BridgeHandover into, CarriedDescriptors carried) => handler.Capture(into, carried);

    public void Resume(BridgeHandover from, IReadOnlyList<IListener> listeners, BridgeContext context) => handler.Resume(from);

    public async Task RunAsync(IListener listener, BridgeContext context)
    {
        FifoListener fifo = listener as FifoListener ?? throw new ArgumentException($"{listener.Display} is not a FIFO", nameof(listener));
        using IFifoSessions? sessions = handler.Open(fifo, context);
        if (sessions is null)
        {
            return; // Closed already: shutdown came first.
        }

        if (!await sessions.ResumeAsync().ConfigureAwait(false))
        {
            return;
        }

        while (await readiness.WaitReadableAsync([fifo.Reader], context.Accepting).ConfigureAwait(false) >= 0)
        {
            if (!await sessions.RunAsync().ConfigureAwait(false))
            {
                break;
            }
        }
    }
}
