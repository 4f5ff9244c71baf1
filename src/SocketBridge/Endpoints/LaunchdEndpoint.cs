namespace SocketBridge.Endpoints;

/// <summary><c>launchd:NAME</c>: a socket of the launchd job's <c>Sockets</c> dictionary (macOS).</summary>
internal sealed record LaunchdEndpoint(string Name) : Endpoint
{
    public override string Scheme => "launchd";

    public override string ToString() => $"launchd:{Name}";
}
