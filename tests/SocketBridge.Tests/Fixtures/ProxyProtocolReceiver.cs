using System.Net.Sockets;
using System.Text;

namespace SocketBridge.Tests.Fixtures;

/// <summary>
/// A real PROXY protocol receiver for one test, in HTTP mode, answering
/// every request with the four fields it read from the header: "SOURCE
/// SOURCE_PORT DESTINATION DESTINATION_PORT". haproxy (<c>bind ...
/// accept-proxy</c>, <c>%[src] %[src_port] %[dst] %[dst_port]</c>: the
/// connection's own endpoints when the header carries none) or nginx
/// (<c>listen ... proxy_protocol</c>, <c>$proxy_protocol_addr</c> and
/// friends: empty when the header carries none). A header either rejects
/// is a closed connection without a response.
/// </summary>
public sealed class ProxyProtocolReceiver : IAsyncDisposable
{
    private readonly ServerProcess _server;
    private readonly string? _errorLog;

    private ProxyProtocolReceiver(string name, int port, ServerProcess server, string? errorLog = null)
    {
        Name = name;
        Port = port;
        _server = server;
        _errorLog = errorLog;
    }

    /// <summary>haproxy or nginx.</summary>
    public string Name { get; }

    public int Port { get; }

    /// <summary>Whether a header without addresses shows the connection's own endpoints (haproxy) or nothing (nginx).</summary>
    public bool ShowsConnectionEndpoints => Name == "haproxy";

    public static Task<ProxyProtocolReceiver> StartAsync(string name, TempDirectory directory, int port) => name switch
    {
        "haproxy" => StartHaproxyAsync(directory, port),
        "nginx" => StartNginxAsync(directory, port),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "haproxy or nginx"),
    };

    private static async Task<ProxyProtocolReceiver> StartHaproxyAsync(TempDirectory directory, int port)
    {
        string config = directory.Write("haproxy.cfg", $$"""
            global
                maxconn 64
                log stderr format short daemon
            defaults
                mode http
                log global
                option httplog
                timeout connect 5s
                timeout client 10s
                timeout server 10s
            frontend seen
                bind 127.0.0.1:{{port}} accept-proxy
                http-request return status 200 content-type text/plain lf-string "%[src] %[src_port] %[dst] %[dst_port]"

            """);
        // -db: in the foreground, one process.
        return new ProxyProtocolReceiver("haproxy", port, await ServerProcess.StartAsync("haproxy", ["-db", "-f", config], port));
    }

    private static async Task<ProxyProtocolReceiver> StartNginxAsync(TempDirectory directory, int port)
    {
        string root = directory["nginx"];
        Directory.CreateDirectory(root);
        string config = directory.Write("nginx.conf", $$"""
            pid {{root}}/nginx.pid;
            error_log {{root}}/error.log info;
            events { worker_connections 64; }
            http {
                access_log off;
                client_body_temp_path {{root}}/body;
                proxy_temp_path {{root}}/proxy;
                fastcgi_temp_path {{root}}/fastcgi;
                uwsgi_temp_path {{root}}/uwsgi;
                scgi_temp_path {{root}}/scgi;
                server {
                    listen 127.0.0.1:{{port}} proxy_protocol;
                    default_type text/plain;
                    return 200 "$proxy_protocol_addr $proxy_protocol_port $proxy_protocol_server_addr $proxy_protocol_server_port";
                }
            }
            """);
        return new ProxyProtocolReceiver("nginx", port, await ServerProcess.StartAsync("nginx", ["-p", root, "-c", config, "-g", "daemon off;"], port), $"{root}/error.log");
    }

    /// <summary>
    /// Sends a GET on <paramref name="connection"/> (connected to a bridge in
    /// front of this receiver, or straight to it after a header) and returns
    /// the body of the answer; fails, with the receiver's output, when the
    /// connection is closed without one.
    /// </summary>
    public async Task<string> AskAsync(Socket connection)
    {
        string reply = await Clients.ExchangeAsync(connection, "GET / HTTP/1.0\r\nHost: test\r\n\r\n");
        int body = reply.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (!reply.StartsWith("HTTP/1.1 200 ", StringComparison.Ordinal) || body < 0)
        {
            throw new Xunit.Sdk.XunitException($"{Name} answered \"{reply}\" instead of 200 with the addresses it read (a rejected header closes the connection without an answer); its output:\n{Log}");
        }

        return reply[(body + 4)..];
    }

    /// <summary>The receiver's own messages (nginx writes them to its error log).</summary>
    public string Log => _errorLog is not null && File.Exists(_errorLog) ? _server.Output + "\n" + File.ReadAllText(_errorLog) : _server.Output;

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
