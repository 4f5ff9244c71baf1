namespace SocketBridge.Configuration;

/// <summary>
/// One key of a bridge (SPEC 3): its name, the modes and the Listen
/// endpoint kinds it applies to, and its documentation, from which the
/// README's table and socketbridge.json(5) are generated.
/// </summary>
/// <param name="Name">The key as written in the configuration.</param>
/// <param name="Modes">The modes the key means something in; written in another, it is an error.</param>
/// <param name="Kinds">The endpoint kinds the key means something for; written on a bridge with none of them, it is an error.</param>
/// <param name="Documentation">Its type, default and meaning (several keys documented together share one).</param>
/// <param name="FileOnly">Whether it applies only to an endpoint the daemon makes a file for (not to <c>unix:@name</c>).</param>
internal sealed record BridgeKey(string Name, BridgeModes Modes, EndpointKinds Kinds, KeyDocumentation Documentation, bool FileOnly = false)
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
