using System.Text;

namespace SocketBridge.Metrics;

/// <summary>
/// What the metrics endpoint reads of an HTTP/1.x request head (RFC 9112):
/// the method, the path without its query, whether the connection stays
/// open after the answer, and whether a body follows (a scrape has none).
/// </summary>
internal readonly record struct HttpRequestHead(bool Valid, string Method, string Path, bool KeepAlive, bool HasBody)
{
    private static readonly HttpRequestHead Invalid = new(false, string.Empty, string.Empty, false, false);

    /// <param name="head">The request line and the header fields, up to and with the blank line.</param>
    public static HttpRequestHead Parse(ReadOnlySpan<byte> head)
    {
        string text = Encoding.Latin1.GetString(head);
        string[] lines = text.Split('\n');
        string[] request = lines[0].TrimEnd('\r').Split(' ');
        if (request.Length != 3 || request[0].Length == 0 || !request[1].StartsWith('/') || !request[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
        {
            return Invalid;
        }

        bool http11 = request[2] != "HTTP/1.0";
        bool keepAlive = http11;
        bool hasBody = false;
        foreach (string raw in lines.AsSpan(1))
        {
            string line = raw.TrimEnd('\r');
            int colon = line.IndexOf(':');
            if (colon <= 0)
            {
                continue;
            }

            string name = line[..colon].Trim();
            string value = line[(colon + 1)..].Trim();
            if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
            {
                keepAlive = value.Contains("close", StringComparison.OrdinalIgnoreCase) ? false
                    : value.Contains("keep-alive", StringComparison.OrdinalIgnoreCase) || keepAlive;
            }
            else if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                hasBody |= value != "0";
            }
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                hasBody = true;
            }
        }

        int query = request[1].IndexOf('?');
        return new HttpRequestHead(true, request[0], query < 0 ? request[1] : request[1][..query], keepAlive, hasBody);
    }
}
