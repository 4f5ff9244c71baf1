using System.Net;
using System.Net.Sockets;
using SocketBridge.Endpoints;
using SocketBridge.Forwarding;
using SocketBridge.Hosting;

namespace SocketBridge.Cli;

/// <summary>
/// <c>socketbridge pipe ENDPOINT</c> (SPEC 2): stdin to the endpoint and the
/// endpoint to stdout, for shell scripts. stdin's EOF becomes a half-close
/// of the connection; the endpoint's EOF closes stdout and ends the command.
/// A FIFO only takes stdin. An endpoint that cannot be reached is one line
/// on stderr and exit 69.
/// </summary>
internal static class PipeCommand
{
    private const int BufferSize = 64 * 1024;

    private static readonly TimeSpan FifoReaderTimeout = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(string text, TextWriter errors, CancellationToken cancellationToken)
    {
        if (!EndpointParser.TryParse(text, out Endpoint? endpoint, out string error))
        {
            await errors.WriteLineAsync($"socketbridge pipe: ENDPOINT: {error}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        if (endpoint is FifoEndpoint fifo)
        {
            return await WriteFifoAsync(fifo, errors, cancellationToken).ConfigureAwait(false);
        }

        Socket socket;
        try
        {
            socket = await ConnectAsync(endpoint!, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or NotSupportedException)
        {
            string reason = ex is SocketException socketError ? ConnectFailure.Describe(endpoint!, socketError) : ex.Message;
            await errors.WriteLineAsync($"socketbridge pipe: cannot reach {endpoint}: {reason}").ConfigureAwait(false);
            return ExitCodes.Unavailable;
        }

        using (socket)
        using (Stream stdin = Console.OpenStandardInput(BufferSize))
        using (Stream stdout = Console.OpenStandardOutput(BufferSize))
        {
            Task up = Task.Run(() => CopyInAsync(stdin, socket, cancellationToken), CancellationToken.None);
            try
            {
                await CopyOutAsync(socket, stdout, cancellationToken).ConfigureAwait(false);
                if (up.IsCompleted)
                {
                    await up.ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is SocketException or IOException)
            {
                await errors.WriteLineAsync($"socketbridge pipe: {endpoint}: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }
        }

        // The endpoint is done; stdin may never end (a terminal), so it is not waited for.
        return ExitCodes.Success;
    }

    /// <summary>
    /// A FIFO is one-way: stdin goes into it until EOF, nothing comes back.
    /// No reader within <see cref="FifoReaderTimeout"/> (a forward bridge's
    /// default ConnectTimeout) is exit 69.
    /// </summary>
    private static async Task<int> WriteFifoAsync(FifoEndpoint fifo, TextWriter errors, CancellationToken cancellationToken)
    {
        Stream target;
        try
        {
            target = await FifoTarget.OpenAsync(fifo, FifoReaderTimeout, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
        catch (TargetUnreachableException ex)
        {
            await errors.WriteLineAsync($"socketbridge pipe: cannot reach {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Unavailable;
        }

        await using (target.ConfigureAwait(false))
        await using (Stream stdin = Console.OpenStandardInput(BufferSize))
        {
            RelayResult result = await OneWayCopy.RunAsync(stdin, target, idleTimeout: null, cancellationToken).ConfigureAwait(false);
            if (result.Outcome != RelayOutcome.Completed)
            {
                await errors.WriteLineAsync($"socketbridge pipe: {fifo}: {result.Error ?? result.Outcome.ToString()}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }
        }

        return ExitCodes.Success;
    }

    private static async Task<Socket> ConnectAsync(Endpoint endpoint, CancellationToken cancellationToken)
    {
        switch (endpoint)
        {
            case TcpEndpoint tcp when !tcp.IsAnyAddress:
                IPAddress[] addresses = IPAddress.TryParse(tcp.Host, out IPAddress? literal)
                    ? [literal]
                    : await Dns.GetHostAddressesAsync(tcp.Host, cancellationToken).ConfigureAwait(false);
                SocketException? last = null;
                foreach (IPAddress address in addresses)
                {
                    var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                    try
                    {
                        await socket.ConnectAsync(new IPEndPoint(address, tcp.Port), cancellationToken).ConfigureAwait(false);
                        return socket;
                    }
                    catch (SocketException ex)
                    {
                        socket.Dispose();
                        last = ex;
                    }
                }

                throw last ?? new SocketException((int)SocketError.HostNotFound);
            case UnixEndpoint { Type: SocketType.Stream } unix:
                var local = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await local.ConnectAsync(new UnixDomainSocketEndPoint(unix.KernelPath), cancellationToken).ConfigureAwait(false);
                    return local;
                }
                catch
                {
                    local.Dispose();
                    throw;
                }

            default:
                throw new NotSupportedException($"pipe connects to tcp:HOST:PORT, unix:/path, unix:@name or fifo:/path, not {endpoint.Scheme}:");
        }
    }

    private static async Task CopyInAsync(Stream stdin, Socket socket, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[BufferSize];
        try
        {
            int n;
            while ((n = await stdin.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                for (int sent = 0; sent < n;)
                {
                    sent += await socket.SendAsync(buffer.AsMemory(sent, n - sent), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                }
            }

            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException or OperationCanceledException)
        {
            // The endpoint went away; the other direction reports it.
        }
    }

    private static async Task CopyOutAsync(Socket socket, Stream stdout, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[BufferSize];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false)) > 0)
        {
            await stdout.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
