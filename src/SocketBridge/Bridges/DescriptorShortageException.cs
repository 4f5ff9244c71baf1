namespace SocketBridge.Bridges;

/// <summary>
/// A connection would have to keep a descriptor numbered in the daemon's
/// reserve (see <see cref="DescriptorReserve"/>): it is refused, like one
/// refused at accept, rather than served at the daemon's expense. The
/// message says what the descriptor was for.
/// </summary>
public sealed class DescriptorShortageException(string message) : Exception(message);
