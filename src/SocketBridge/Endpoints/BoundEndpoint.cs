using System.Net;

namespace SocketBridge.Endpoints;

/// <summary>
/// The sockets (or FIFO) one entry of a bridge's <c>Listen</c> made: one,
/// or one per address of a <c>tcp:</c> host name. A reload that keeps the
/// endpoint moves them to the new bridge whole.
/// </summary>
internal sealed class BoundEndpoint(ListenEndpoint endpoint, IReadOnlyList<IListener> listeners) : IDisposable
{
    public ListenEndpoint Endpoint { get; } = endpoint;

    public IReadOnlyList<IListener> Listeners { get; } = listeners;

    /// <summary>
    /// How <c>status</c> shows the endpoint: as written, except that on port 0
    /// it shows the port the kernel picked (where clients reach it), or, when
    /// a host name's addresses got different ones, each socket's address.
    /// </summary>
    public string Display
    {
        get
        {
            if (Endpoint.Endpoint is not InetEndpoint { Port: 0 } inet)
            {
                return Endpoint.ToString();
            }

            int[] ports = [.. Listeners.OfType<BoundListener>().Select(l => l.LocalEndPoint).OfType<IPEndPoint>().Select(ip => ip.Port).Distinct()];
            return ports.Length == 1
                ? (inet with { Port = ports[0] }).ToString()
                : $"{Endpoint} ({string.Join(", ", Listeners.Select(l => l.Display))})";
        }
    }

    /// <summary>Closes every socket and removes the files the daemon created for them.</summary>
    public void Dispose()
    {
        foreach (IListener listener in Listeners)
        {
            listener.Dispose();
        }
    }
}
