namespace SocketBridge.Endpoints;

/// <summary>
/// How a socket file or FIFO the daemon makes is set up: its permission
/// bits, its owner and group (null: the daemon's), and the mode of the last
/// directory on its path when the daemon has to create it.
/// </summary>
internal readonly record struct SocketFileSettings(uint Mode, uint? Uid, uint? Gid, uint DirectoryMode);
