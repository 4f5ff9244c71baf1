namespace SocketBridge.Access;

/// <summary>
/// MaxConnectionsPerSource: connections at once per client IP address (TCP)
/// or per uid (Unix). A source's entry goes away with its last connection,
/// so the table holds only sources that are connected.
/// </summary>
internal sealed class SourceCounter(int limit)
{
    private readonly Dictionary<string, int> _active = new(StringComparer.Ordinal);

    public int Limit => limit;

    public bool TryAcquire(string source)
    {
        lock (_active)
        {
            _active.TryGetValue(source, out int count);
            if (count >= limit)
            {
                return false;
            }

            _active[source] = count + 1;
            return true;
        }
    }

    public void Release(string source)
    {
        lock (_active)
        {
            if (_active.TryGetValue(source, out int count))
            {
                if (count <= 1)
                {
                    _active.Remove(source);
                }
                else
                {
                    _active[source] = count - 1;
                }
            }
        }
    }
}
