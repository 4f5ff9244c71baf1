namespace SocketBridge.Endpoints;

/// <summary><c>fifo:/absolute/path</c>: a named pipe.</summary>
internal sealed record FifoEndpoint(string Path) : Endpoint
{
    public override string Scheme => "fifo";

    public override string ToString() => $"fifo:{Path}";
}
