namespace SocketBridge.Endpoints;

/// <summary>A bridge could not listen: the message names the bridge, the address and what failed.</summary>
internal sealed class ListenException(string message, Exception? inner = null) : Exception(message, inner);
