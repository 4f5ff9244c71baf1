namespace SocketBridge.Endpoints;

/// <summary>
/// What binding a bridge's <c>Listen</c> takes besides the endpoints
/// themselves (SPEC 8), as Kestrel's Bind takes an endpoint and its listen
/// options, never the whole server's: the bridge's name, which failures
/// start with; the mode and owner of the socket files and FIFOs it makes;
/// the listen backlog; and which sockets passed by name it can serve.
/// </summary>
internal sealed record ListenSettings(string Bridge, SocketFileSettings File, int Backlog, PassedSocketRule PassedSockets);
