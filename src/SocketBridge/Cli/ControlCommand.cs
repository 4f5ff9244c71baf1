using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;
using SocketBridge.Control;
using SocketBridge.Hosting;

namespace SocketBridge.Cli;

/// <summary>
/// <c>socketbridge status</c> and <c>socketbridge reload</c> (SPEC 2): ask the
/// running daemon over its control socket, found by <see cref="ControlSocketLocator"/>.
/// </summary>
internal static class ControlCommand
{
    private static readonly TimeSpan StatusTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Generous, but never forever: a reload may wait for one under way, and
    /// each may take up to <see cref="ConfigurationReloader.LoadDeadline"/> to
    /// load, then a few seconds to bind.
    /// </summary>
    /// <summary>The new program's check (at most <see cref="ProgramCheck.Timeout"/>), then the exec and the new image's start.</summary>
    private static readonly TimeSpan ReexecTimeout = ProgramCheck.Timeout + TimeSpan.FromSeconds(60);

    private static readonly TimeSpan ReloadTimeout = (2 * ConfigurationReloader.LoadDeadline) + TimeSpan.FromSeconds(30);

    public static async Task<int> StatusAsync(string[]? files, string? control, bool json, TextWriter output, TextWriter errors)
    {
        string? path = ControlSocketLocator.FromLoadedFiles(files, control, errors);
        if (path is null)
        {
            return ExitCodes.Config;
        }

        string? answer = await AskAsync(path, ControlRequest.Status, StatusTimeout, errors).ConfigureAwait(false);
        if (answer is null)
        {
            return ExitCodes.Unavailable;
        }

        if (json)
        {
            output.WriteLine(answer);
            return ExitCodes.Success;
        }

        StatusResponse? status = Parse(answer, ControlJsonContext.Default.StatusResponse);
        if (status is null)
        {
            errors.WriteLine($"socketbridge status: {path} answered something that is not a status: {Shorten(answer)}");
            return ExitCodes.Failure;
        }

        StatusTable.Write(status, output);
        return ExitCodes.Success;
    }

    /// <summary>
    /// socketbridge status --watch: the table again every <paramref name="interval"/>,
    /// with per-second rates of accepted and refused connections and of
    /// bytes, until Ctrl-C (or SIGTERM) cancels <paramref name="stop"/>. On a
    /// terminal each table replaces the last; otherwise they follow each
    /// other, a blank line apart. A daemon that does not answer is said in
    /// the frame, and asked again at the next tick.
    /// </summary>
    public static async Task<int> WatchAsync(string[]? files, string? control, TimeSpan interval, bool terminal, TextWriter output, TextWriter errors, CancellationToken stop)
    {
        string? path = ControlSocketLocator.FromLoadedFiles(files, control, errors);
        if (path is null)
        {
            return ExitCodes.Config;
        }

        StatusResponse? before = null;
        long beforeAt = 0;
        // Ctrl-C (and SIGTERM) end the watch, not the process: the last frame stays whole, the exit code 0.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stop);
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using PosixSignalRegistration terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        stop = stopping.Token;
        using var timer = new PeriodicTimer(interval);
        try
        {
            do
            {
                var problems = new StringWriter();
                string? answer = await AskAsync(path, ControlRequest.Status, StatusTimeout, problems).ConfigureAwait(false);
                long now = System.Diagnostics.Stopwatch.GetTimestamp();
                StatusResponse? status = answer is null ? null : Parse(answer, ControlJsonContext.Default.StatusResponse);
                output.Write(terminal ? "\u001b[H\u001b[2J" : string.Empty);
                output.WriteLine($"every {interval.TotalSeconds:0.#} s, Ctrl-C to stop: {DateTime.Now.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)}");
                if (status is null)
                {
                    output.WriteLine(answer is null ? problems.ToString().TrimEnd() : $"socketbridge status: {path} answered something that is not a status: {Shorten(answer)}");
                }
                else
                {
                    StatusTable.Write(status, output, StatusRates.Between(before, status, System.Diagnostics.Stopwatch.GetElapsedTime(beforeAt, now)));
                    before = status;
                    beforeAt = now;
                }

                if (!terminal)
                {
                    output.WriteLine();
                }

                await output.FlushAsync(stop).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C: the watch is over.
        }

        return ExitCodes.Success;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stopping.Cancel();
        }
    }

    public static async Task<int> ReloadAsync(string[]? files, string? control, TextWriter output, TextWriter errors)
    {
        string path = ControlSocketLocator.FromWrittenFiles(files, control);
        string? answer = await AskAsync(path, ControlRequest.Reload, ReloadTimeout, errors).ConfigureAwait(false);
        if (answer is null)
        {
            return ExitCodes.Unavailable;
        }

        ReloadResult? result = Parse(answer, ControlJsonContext.Default.ReloadResult);
        if (result is null)
        {
            errors.WriteLine($"socketbridge reload: {path} answered something that is not a reload outcome: {Shorten(answer)}");
            return ExitCodes.Failure;
        }

        if (result.Reloaded)
        {
            output.WriteLine(result.ToString());
            return ExitCodes.Success;
        }

        errors.WriteLine("socketbridge reload: refused, the running configuration is unchanged:");
        foreach (string problem in result.Errors)
        {
            errors.WriteLine(problem);
        }

        return ExitCodes.Config;
    }

    /// <summary>
    /// socketbridge reexec: the answer comes from the new image once it has
    /// taken over, or from the old one when it refused (its exit code then:
    /// 78 when the new program refuses the configuration, 1 otherwise).
    /// </summary>
    public static async Task<int> ReexecAsync(string[]? files, string? control, TextWriter output, TextWriter errors)
    {
        string path = ControlSocketLocator.FromWrittenFiles(files, control);
        string? answer = await AskAsync(path, ControlRequest.Reexec, ReexecTimeout, errors).ConfigureAwait(false);
        if (answer is null)
        {
            return ExitCodes.Unavailable;
        }

        if (answer.Length == 0)
        {
            errors.WriteLine($"socketbridge reexec: the daemon at {path} closed the connection without an answer: the new image may not have started; see the daemon's log");
            return ExitCodes.Failure;
        }

        ReexecResult? result = Parse(answer, ControlJsonContext.Default.ReexecResult);
        if (result is { Reexecuted: false, Message: null or "" })
        {
            // A daemon from before reexec answers that it does not know the request.
            errors.WriteLine($"socketbridge reexec: the daemon at {path} does not know reexec (it is older than this socketbridge): restart it instead ({Shorten(answer.Trim())})");
            return ExitCodes.Failure;
        }

        if (result is null)
        {
            errors.WriteLine($"socketbridge reexec: {path} answered something that is not a re-exec outcome: {Shorten(answer)}");
            return ExitCodes.Failure;
        }

        if (result.Reexecuted)
        {
            output.WriteLine(result.ToString());
            return ExitCodes.Success;
        }

        errors.WriteLine($"socketbridge reexec: refused, the daemon goes on unchanged: {result.Message}");
        return result.ExitCode == ExitCodes.Success ? ExitCodes.Failure : result.ExitCode;
    }

    private static async Task<string?> AskAsync(string path, string request, TimeSpan timeout, TextWriter errors)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            return await ControlClient.SendAsync(path, request, deadline.Token).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            string reason = ex.SocketErrorCode switch
            {
                SocketError.AddressNotAvailable or SocketError.ConnectionRefused => "no daemon is listening there (is socketbridge running?)",
                SocketError.AccessDenied => "permission denied (the control socket is for the daemon's user)",
                _ => ex.Message,
            };
            errors.WriteLine($"socketbridge {request}: cannot reach the daemon at {path}: {reason}");
        }
        catch (UntrustedControlSocketException ex)
        {
            errors.WriteLine($"socketbridge {request}: refusing to talk to the control socket: {ex.Message}");
        }
        catch (OperationCanceledException)
        {
            errors.WriteLine(request == ControlRequest.Reload
                ? $"socketbridge reload: the daemon at {path} has not answered within {timeout.TotalSeconds:0} s; the reload may still be running: its outcome will be in the daemon's log"
                : $"socketbridge {request}: the daemon at {path} did not answer within {timeout.TotalSeconds:0} s");
        }

        return null;
    }

    private static T? Parse<T>(string json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(json, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Shorten(string text) => text.Length > 200 ? text[..200] + "…" : text;
}
