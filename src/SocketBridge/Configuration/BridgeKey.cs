namespace SocketBridge.Configuration;

/// <summary>
/// One key of a bridge (SPEC 3): its name, the modes and the Listen
/// endpoint kinds it applies to, and what it is, in one line.
/// </summary>
/// <param name="Name">The key as written in the configuration.</param>
/// <param name="Modes">The modes the key means something in; written in another, it is an error.</param>
/// <param name="Kinds">The endpoint kinds the key means something for; written on a bridge with none of them, it is an error.</param>
/// <param name="Description">What the key sets, in one line.</param>
/// <param name="FileOnly">Whether it applies only to an endpoint the daemon makes a file for (not to <c>unix:@name</c>).</param>
internal sealed record BridgeKey(string Name, BridgeModes Modes, EndpointKinds Kinds, string Description, bool FileOnly = false)
{
    public bool AppliesTo(BridgeMode mode) => (Modes & ModeFlag(mode)) != 0;

    public bool AppliesTo(EndpointKinds kind) => (Kinds & kind) != 0;

    /// <summary>Whether the key means something for <paramref name="endpoint"/>.</summary>
    public bool AppliesTo(Endpoints.ListenEndpoint endpoint) =>
        AppliesTo(EndpointKind.Of(endpoint.Endpoint)) && (!FileOnly || endpoint.FilePath is not null);

    public static BridgeModes ModeFlag(BridgeMode mode) => mode switch
    {
        BridgeMode.Spawn => BridgeModes.Spawn,
        BridgeMode.Handoff => BridgeModes.Handoff,
        BridgeMode.Forward => BridgeModes.Forward,
        _ => BridgeModes.None,
    };
}
