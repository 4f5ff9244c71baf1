using System.Text;

namespace SocketBridge.Metrics;

/// <summary>The metrics endpoint's HTTP/1.1 answers: a scrape, or an error with a line of text saying what to ask instead.</summary>
internal static class HttpResponse
{
    /// <summary>The head of a scrape's answer, whose body of <paramref name="length"/> bytes follows.</summary>
    public static byte[] MetricsHead(int length, bool keepAlive) => Encoding.ASCII.GetBytes(
        "HTTP/1.1 200 OK\r\n"
        + $"Content-Type: {PrometheusTextWriter.ContentType}\r\n"
        + $"Content-Length: {length}\r\n"
        + (keepAlive ? string.Empty : "Connection: close\r\n")
        + "\r\n");

    public static byte[] Error(int status, string reason, string message, string extraHeaders = "")
    {
        byte[] body = Encoding.UTF8.GetBytes(message + "\n");
        return [.. Encoding.ASCII.GetBytes(
            $"HTTP/1.1 {status} {reason}\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\n"
            + $"Content-Length: {body.Length}\r\n"
            + extraHeaders
            + "Connection: close\r\n"
            + "\r\n"), .. body];
    }
}
