using System.Security.Cryptography;

namespace SocketBridge.Bridges;

/// <summary>
/// Connection ids: a random prefix per daemon start and a counter, so ids
/// are short, unique within a run and do not repeat across restarts in the
/// journal. An id appears in the logs and in SOCKETBRIDGE_CONNECTION_ID.
/// </summary>
public sealed class ConnectionIdGenerator
{
    private readonly string _prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
    private long _next;

    public string Next() => $"{_prefix}-{Interlocked.Increment(ref _next)}";
}
