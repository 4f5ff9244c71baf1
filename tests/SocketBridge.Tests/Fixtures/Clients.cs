using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SocketBridge.Tests.Fixtures;

/// <summary>Real clients: .NET sockets, and nc, socat or Python run as processes.</summary>
public static class Clients
{
    public static async Task<Socket> ConnectTcpAsync(IPAddress address, int port)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(address, port)).WaitAsync(Wait.DefaultTimeout);
        return socket;
    }

    public static async Task<Socket> ConnectUnixAsync(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path)).WaitAsync(Wait.DefaultTimeout);
        return socket;
    }

    /// <summary>Sends <paramref name="input"/>, half-closes, and reads until the server closes (within <paramref name="timeout"/>, 15 s by default).</summary>
    public static async Task<string> ExchangeAsync(Socket socket, string input = "", TimeSpan? timeout = null)
    {
        using (socket)
        {
            if (input.Length > 0)
            {
                await socket.SendAsync(Encoding.UTF8.GetBytes(input));
            }

            socket.Shutdown(SocketShutdown.Send);
            return await ReadToEndAsync(socket, timeout);
        }
    }

    public static async Task<string> ReadToEndAsync(Socket socket, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Wait.DefaultTimeout);
        var output = new MemoryStream();
        byte[] buffer = new byte[8192];
        while (true)
        {
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            if (n == 0)
            {
                return Encoding.UTF8.GetString(output.ToArray());
            }

            output.Write(buffer, 0, n);
        }
    }

    /// <summary>
    /// Reads and discards until the server closes (EOF, or a reset, which
    /// also ends the connection); the number of bytes read. Times out when
    /// the connection stays open.
    /// </summary>
    public static async Task<long> DrainAsync(Socket socket, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        byte[] buffer = new byte[65536];
        long total = 0;
        while (true)
        {
            int n;
            try
            {
                n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
            {
                return total;
            }

            if (n == 0)
            {
                return total;
            }

            total += n;
        }
    }

    /// <summary>Reads one line (without its newline).</summary>
    public static async Task<string> ReadLineAsync(Socket socket, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Wait.DefaultTimeout);
        var line = new List<byte>();
        byte[] one = new byte[1];
        while (true)
        {
            int n = await socket.ReceiveAsync(one, SocketFlags.None, cts.Token);
            if (n == 0 || one[0] == (byte)'\n')
            {
                return Encoding.UTF8.GetString(line.ToArray());
            }

            line.Add(one[0]);
        }
    }

    /// <summary>Sends a line on an open connection to an echoing program (cat) and reads it back.</summary>
    public static async Task EchoLineAsync(Socket socket, string line)
    {
        await socket.SendAsync(Encoding.UTF8.GetBytes(line + "\n"));
        Assert.Equal(line, await ReadLineAsync(socket));
    }

    /// <summary>Runs a client program with <paramref name="input"/> on its stdin; returns its stdout.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunProgramAsync(string program, IEnumerable<string> args, string input = "", TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout ?? Wait.DefaultTimeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
