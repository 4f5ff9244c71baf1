namespace SocketBridge.Bridges;

/// <summary>
/// Connection ids: a random prefix per daemon start and a counter, so ids
/// are short, unique within a run and do not repeat across restarts in the
/// journal. An id appears in the logs and in SOCKETBRIDGE_CONNECTION_ID.
/// </summary>
internal sealed class ConnectionIdGenerator
{
    // Random.Shared, not RandomNumberGenerator: the prefix is no secret, and on
    // Linux RandomNumberGenerator loads OpenSSL (libssl, libcrypto), which
    // cost the daemon's start-up a few milliseconds for three bytes.
    private readonly string _prefix;
    private long _next;

    public ConnectionIdGenerator()
        : this(Random.Shared.Next(1 << 24).ToString("x6", System.Globalization.CultureInfo.InvariantCulture), 0)
    {
    }

    /// <summary>Ids that go on where the previous image's stopped (a re-exec): same prefix, next number.</summary>
    public ConnectionIdGenerator(string prefix, long last)
    {
        _prefix = prefix;
        _next = last;
    }

    public string Prefix => _prefix;

    /// <summary>The number of the last id given.</summary>
    public long Last => Interlocked.Read(ref _next);

    public string Next() => $"{_prefix}-{Interlocked.Increment(ref _next)}";
}
