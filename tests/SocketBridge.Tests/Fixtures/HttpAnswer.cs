namespace SocketBridge.Tests.Fixtures;

/// <summary>An HTTP/1.1 answer as it came over the wire: status, header fields (names in lower case), body.</summary>
public sealed record HttpAnswer(int Status, IReadOnlyDictionary<string, string> Headers, string Body, string Raw)
{
    /// <summary>Parses one answer that is the whole of <paramref name="raw"/> (the server closed after it).</summary>
    public static HttpAnswer Parse(string raw)
    {
        int end = raw.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(end > 0, $"no complete HTTP head in: {raw}");
        string[] lines = raw[..end].Split("\r\n");
        string[] status = lines[0].Split(' ', 3);
        Assert.True(status.Length >= 2 && status[0] == "HTTP/1.1", $"not an HTTP/1.1 status line: {lines[0]}");
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in lines.Skip(1))
        {
            int colon = line.IndexOf(':');
            Assert.True(colon > 0, $"a header line without a colon: {line}");
            headers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
        }

        return new HttpAnswer(int.Parse(status[1], System.Globalization.CultureInfo.InvariantCulture), headers, raw[(end + 4)..], raw);
    }

    public override string ToString() => Raw.Length > 2000 ? Raw[..2000] + "..." : Raw;
}
