namespace SocketBridge.Processes;

/// <summary>
/// A connection would have to keep a descriptor numbered in the daemon's
/// reserve (see Bridges/DescriptorReserve): it is refused, like one
/// refused at accept, rather than served at the daemon's expense. The
/// message says what the descriptor was for.
/// </summary>
internal sealed class DescriptorShortageException(string message) : Exception(message);
