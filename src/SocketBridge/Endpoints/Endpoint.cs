namespace SocketBridge.Endpoints;

/// <summary>
/// Where a bridge listens or connects (SPEC 4). Parsed once by
/// <see cref="EndpointParser"/>; <see cref="ToString"/> gives back the form
/// the user wrote, so messages and logs show it.
/// </summary>
internal abstract record Endpoint
{
    /// <summary>The scheme before the colon: tcp, unix, fifo, systemd or launchd.</summary>
    public abstract string Scheme { get; }
}
