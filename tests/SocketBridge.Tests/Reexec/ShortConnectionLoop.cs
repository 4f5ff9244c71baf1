using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Reexec;

/// <summary>
/// A client that makes one short connection after another to an echoing
/// bridge (cat, or a forward to an echo server) until cancelled: connect,
/// send a numbered line, half-close, read the line back to EOF. Anything
/// else is a failure, recorded with the bridge and the connection's number.
/// </summary>
internal sealed class ShortConnectionLoop(string bridge, int port, ConcurrentQueue<string> failures)
{
    private int _succeeded;

    public int Succeeded => Volatile.Read(ref _succeeded);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        for (int n = 1; !cancellationToken.IsCancellationRequested; n++)
        {
            string line = $"{bridge} connection {n}\n";
            try
            {
                string answer = await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port), line);
                if (answer == line)
                {
                    Interlocked.Increment(ref _succeeded);
                }
                else
                {
                    failures.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {bridge} connection {n}: got \"{answer}\"");
                }
            }
            catch (Exception ex) when (ex is SocketException or TimeoutException or OperationCanceledException or IOException)
            {
                failures.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {bridge} connection {n}: {ex.GetType().Name}: {ex.Message}");
            }
        }
    }
}
