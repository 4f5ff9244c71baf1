namespace SocketBridge.Endpoints;

/// <summary><c>systemd:NAME</c>: the socket systemd passed with <c>FileDescriptorName=NAME</c>.</summary>
internal sealed record SystemdEndpoint(string Name) : Endpoint
{
    public override string Scheme => "systemd";

    public override string ToString() => $"systemd:{Name}";
}
