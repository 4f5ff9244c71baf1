using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SocketBridge.Tests.Fixtures;

/// <summary>
/// A real server run in the foreground for one test (haproxy, nginx,
/// redis-server), ready once its TCP port accepts a connection. Disposing it
/// stops it (SIGTERM, then SIGKILL after ten seconds) and waits for it.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];

    private ServerProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Collect(e.Data);
        _process.ErrorDataReceived += (_, e) => Collect(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;

    /// <summary>What it printed, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    /// <summary>Starts <paramref name="program"/> and waits until 127.0.0.1:<paramref name="port"/> accepts.</summary>
    public static async Task<ServerProcess> StartAsync(string program, IEnumerable<string> args, int port)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var server = new ServerProcess(Process.Start(start)!);
        server._process.StandardInput.Close();
        try
        {
            await Wait.UntilAsync(() => server.HasExited || Accepts(port), $"{program} to listen on 127.0.0.1:{port}");
            if (server.HasExited)
            {
                throw new InvalidOperationException($"{program} exited with {server._process.ExitCode} before listening on port {port}:\n{server.Output}");
            }
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    public bool HasExited => _process.HasExited;

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            LibC.Kill(_process.Id, LibC.SIGTERM);
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        _process.Dispose();
    }

    private static bool Accepts(int port)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Connect(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private void Collect(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.Add(line);
            }
        }
    }
}
