using System.Net;
using System.Net.Sockets;

namespace SocketBridge.Tests.Fixtures;

/// <summary>
/// A real server for forward bridges to connect to: listens on a TCP port or
/// a Unix socket (path or abstract) and runs a handler per connection.
/// </summary>
public sealed class Backend : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly Func<Socket, Task> _handler;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly List<Task> _connections = [];
    private int _accepted;

    private Backend(Socket listener, Func<Socket, Task> handler)
    {
        _listener = listener;
        _handler = handler;
        _loop = AcceptLoopAsync();
    }

    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>The port a <see cref="Tcp"/> backend listens on: the one the kernel picked when it was given 0.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    /// <summary>A TCP backend on 127.0.0.1: <paramref name="port"/> 0 lets the kernel pick it (see <see cref="Port"/>).</summary>
    public static Backend Tcp(int port, Func<Socket, Task> handler)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
        socket.Listen(4096);
        return new Backend(socket, handler);
    }

    /// <summary>A Unix socket backend; a path starting with '@' is abstract.</summary>
    public static Backend Unix(string path, Func<Socket, Task> handler)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path.StartsWith('@') ? "\0" + path[1..] : path));
        socket.Listen(4096);
        return new Backend(socket, handler);
    }

    /// <summary>Echoes everything back, and half-closes after the client's EOF.</summary>
    public static async Task Echo(Socket socket)
    {
        byte[] buffer = new byte[65536];
        while (true)
        {
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None);
            if (n == 0)
            {
                socket.Shutdown(SocketShutdown.Send);
                return;
            }

            await socket.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        try
        {
            await _loop;
        }
        catch (Exception)
        {
        }

        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        await Task.WhenAny(Task.WhenAll(connections), Task.Delay(TimeSpan.FromSeconds(10)));
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }

            Interlocked.Increment(ref _accepted);
            Task connection = Task.Run(async () =>
            {
                using (socket)
                {
                    try
                    {
                        await _handler(socket);
                    }
                    catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException)
                    {
                    }
                }
            });
            lock (_connections)
            {
                _connections.Add(connection);
            }
        }
    }
}
