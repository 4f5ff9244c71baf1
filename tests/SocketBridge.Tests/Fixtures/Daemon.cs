using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace SocketBridge.Tests.Fixtures;

/// <summary>
/// The real socketbridge daemon, started on a temporary configuration and
/// ready once it sent READY=1 to a NOTIFY_SOCKET of the test's own. Disposing
/// it stops it (SIGTERM, then SIGKILL) and removes its directory.
/// </summary>
public sealed class Daemon : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Socket _notify;
    private readonly List<string> _logs = [];
    private readonly List<string> _notifications = [];
    private readonly List<TimeSpan> _notificationTimes = []; // when each of _notifications came, on _received
    private readonly Stopwatch _received = Stopwatch.StartNew();
    private readonly Task _notifyLoop;
    private readonly TaskCompletionSource<bool> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly bool _ownsDirectory;

    private Daemon(Process process, Socket notify, TempDirectory directory, bool ownsDirectory, bool readOutput)
    {
        _process = process;
        _notify = notify;
        Directory = directory;
        _ownsDirectory = ownsDirectory;
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_logs)
                {
                    _logs.Add(e.Data);
                }
            }
        };
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_logs)
                {
                    _logs.Add(e.Data);
                }
            }
        };
        _process.Exited += (_, _) => _exited.TrySetResult(true);
        if (readOutput)
        {
            _process.BeginErrorReadLine();
            _process.BeginOutputReadLine();
        }

        _notifyLoop = ReceiveNotificationsAsync();
    }

    public TempDirectory Directory { get; }

    /// <summary>The control socket the fixture gives every <c>run</c> (unless the test's configuration names another).</summary>
    public string ControlSocket => Directory["control.sock"];

    /// <summary>The daemon's descriptors and children once it was ready, before any client.</summary>
    public ResourceCounts? Baseline { get; private set; }

    /// <summary>The descriptors counted in <see cref="Baseline"/>, for failure messages.</summary>
    private string[] _baselineDescriptors = [];

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public string[] Logs
    {
        get
        {
            lock (_logs)
            {
                return [.. _logs];
            }
        }
    }

    public string[] Notifications
    {
        get
        {
            lock (_notifications)
            {
                return [.. _notifications];
            }
        }
    }

    /// <summary>
    /// <see cref="Notifications"/> with the time each was received, on one
    /// monotonic clock started with the fixture: for the intervals between them.
    /// </summary>
    public (TimeSpan At, string Message)[] TimedNotifications
    {
        get
        {
            lock (_notifications)
            {
                return [.. _notificationTimes.Zip(_notifications)];
            }
        }
    }

    /// <summary>Writes <paramref name="configJson"/> to config.json in a new directory and starts run -c on it.</summary>
    public static Task<Daemon> StartAsync(string configJson, TempDirectory? directory = null)
    {
        bool owns = directory is null;
        directory ??= new TempDirectory();
        string config = directory.Write("config.json", configJson);
        return StartAsync(["run", "-c", config], directory, owns);
    }

    /// <summary>
    /// Starts socketbridge with <paramref name="args"/> and waits for READY=1.
    /// Without <paramref name="readOutput"/> its stdout and stderr are pipes
    /// nobody reads (a stuck log consumer), and <see cref="Logs"/> stays empty.
    /// <paramref name="program"/> runs another copy of the program than
    /// <see cref="Binary.Path"/> (a <see cref="PrivateInstall"/>).
    /// </summary>
    public static async Task<Daemon> StartAsync(string[] args, TempDirectory directory, bool ownsDirectory, IDictionary<string, string>? environment = null, string[]? launcher = null, bool readOutput = true, string? program = null)
    {
        Daemon daemon = Launch(args, directory, ownsDirectory, environment, launcher, readOutput, program);
        try
        {
            await daemon.WaitReadyAsync();
        }
        catch
        {
            await daemon.DisposeAsync();
            throw;
        }

        return daemon;
    }

    /// <summary>
    /// Starts socketbridge without waiting for readiness (for start-up
    /// failures, or under a launcher such as systemd-socket-activate given as
    /// <paramref name="launcher"/>, which execs socketbridge after it).
    /// </summary>
    public static Daemon Launch(string[] args, TempDirectory directory, bool ownsDirectory, IDictionary<string, string>? environment = null, string[]? launcher = null, bool readOutput = true, string? program = null)
    {
        string notifyPath = directory["notify.sock"];

        // Each daemon gets a control socket of its own (a test's configuration,
        // merged after this file, may still name another).
        if (args.Length > 0 && args[0] == "run")
        {
            string control = directory.Write("control.json", $"{{\"SocketBridge\": {{\"ControlSocket\": \"{directory["control.sock"]}\"}}}}");
            args = ["run", "-c", control, .. args[1..]];
        }

        var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(notifyPath));
        // A job started in the background by a script (make test &) inherits SIGINT
        // and SIGQUIT ignored, and the daemon, like any program, keeps them so:
        // the fixture starts it as a service manager would, with their defaults.
        string[] command = ["/usr/bin/env", "--default-signal=INT,QUIT", .. launcher ?? [], program ?? Binary.Path, .. args];
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string arg in command[1..])
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["NOTIFY_SOCKET"] = notifyPath;
        if (environment is not null)
        {
            foreach ((string key, string value) in environment)
            {
                start.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.Start();
        process.StandardInput.Close();
        return new Daemon(process, notify, directory, ownsDirectory, readOutput);
    }

    public async Task WaitReadyAsync()
    {
        var clock = Stopwatch.StartNew();
        while (!Notifications.Any(n => n.Split('\n').Contains("READY=1")))
        {
            if (_process.HasExited)
            {
                await _exited.Task;
                throw new InvalidOperationException($"socketbridge exited with {_process.ExitCode} before READY=1:\n{string.Join('\n', Logs)}");
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(20))
            {
                throw new TimeoutException($"socketbridge sent no READY=1 within 20 s:\n{string.Join('\n', Logs)}");
            }

            await Task.Delay(10);
        }

        if (Baseline is null)
        {
            await TakeBaselineAsync();
        }
    }

    /// <summary>
    /// The baseline, once the descriptors stopped changing: around READY=1
    /// the daemon and the runtime still open and close a few short-lived
    /// pipes. At most two seconds.
    /// </summary>
    private async Task TakeBaselineAsync()
    {
        var clock = Stopwatch.StartNew();
        string[] seen = ResourceCounts.Described(_process.Id);
        int unchanged = 0;
        while (unchanged < 5 && clock.Elapsed < TimeSpan.FromSeconds(2))
        {
            await Task.Delay(50);
            string[] now = ResourceCounts.Described(_process.Id);
            unchanged = now.SequenceEqual(seen) ? unchanged + 1 : 0;
            seen = now;
        }

        _baselineDescriptors = seen;
        Baseline = new ResourceCounts(seen.Length, ProcFs.Children(_process.Id).Count);
    }

    /// <summary>
    /// Waits until the daemon holds exactly the descriptors and children it
    /// had at readiness again, every connection being over: a leak fails the
    /// test, naming what is left open.
    /// </summary>
    public async Task AssertResourcesReturnToBaselineAsync(TimeSpan? timeout = null)
    {
        ResourceCounts baseline = Baseline ?? throw new InvalidOperationException("the daemon never became ready, so there is no baseline");
        ResourceCounts now = ResourceCounts.Of(_process.Id);
        try
        {
            await Wait.UntilAsync(() => (now = ResourceCounts.Of(_process.Id)) == baseline, $"the daemon to return to its baseline of {baseline}", timeout ?? TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException ex)
        {
            throw new Xunit.Sdk.XunitException(
                $"{ex.Message}: it holds {now}\nchildren: {string.Join(", ", ProcFs.Children(_process.Id))}\ndescriptors not in the baseline:\n{string.Join('\n', ResourceCounts.Described(_process.Id).Except(_baselineDescriptors).Select(d => $"{d} ({FdInfo(d)})"))}\nbaseline descriptors gone:\n{string.Join('\n', _baselineDescriptors.Except(ResourceCounts.Described(_process.Id)))}");
        }
    }

    /// <summary>Waits until a log line satisfies <paramref name="match"/> and returns it.</summary>
    public async Task<string> WaitForLogAsync(Func<string, bool> match, string what, TimeSpan? timeout = null)
    {
        string? found = null;
        await Wait.UntilAsync(() => (found = Logs.FirstOrDefault(match)) is not null, $"a log line with {what}; log so far:\n{string.Join('\n', Logs)}", timeout);
        return found!;
    }

    public Task<string> WaitForLogAsync(string contains, TimeSpan? timeout = null) =>
        WaitForLogAsync(l => l.Contains(contains, StringComparison.Ordinal), $"\"{contains}\"", timeout);

    /// <summary>
    /// The port of <paramref name="bridge"/>'s <c>tcp:</c> or <c>udp:</c> socket
    /// number <paramref name="index"/> (Listen's order, one per address, other
    /// kinds not counted) as its "listening on" line shows it:
    /// for a <c>tcp:</c> or <c>udp:</c> Listen on port 0, the port the kernel
    /// picked. Waits for the line (it comes before READY=1, but stderr is read
    /// on its own); a reload that binds a socket again adds a line, counted
    /// after the first start's.
    /// </summary>
    public async Task<int> PortOfAsync(string bridge, int index = 0, TimeSpan? timeout = null)
    {
        var line = new Regex($@"(^|[\s""]){Regex.Escape(bridge)}: listening on (tcp|udp):(\[[^\]]*\]|[^\s\[]+):(?<port>[0-9]+) ");
        Match[] found = [];
        await Wait.UntilAsync(
            () => (found = [.. Logs.Select(l => line.Match(l)).Where(m => m.Success)]).Length > index,
            $"bridge {bridge}'s socket {index} to be listening; log so far:\n{string.Join('\n', Logs)}",
            timeout);
        return int.Parse(found[index].Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Signal(int signal) => LibC.Kill(_process.Id, signal);

    /// <summary>SIGTERM, then the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan? timeout = null)
    {
        if (!_process.HasExited)
        {
            Signal(LibC.SIGTERM);
        }

        return await WaitExitAsync(timeout);
    }

    public async Task<int> WaitExitAsync(TimeSpan? timeout = null)
    {
        TimeSpan limit = timeout ?? TimeSpan.FromSeconds(30);
        if (await Task.WhenAny(_exited.Task, Task.Delay(limit)) != _exited.Task)
        {
            throw new TimeoutException($"socketbridge did not exit within {limit.TotalSeconds:0.#} s; its children: "
                + string.Join(", ", ProcFs.Children(_process.Id).Select(c => $"{c.Pid} ({c.State})")) + "; log so far:\n" + string.Join('\n', Logs));
        }

        // The rest of its output (awaited: a test thread is never blocked on it).
        await _process.WaitForExitAsync();
        return _process.ExitCode;
    }

    /// <summary>The flags line of /proc/PID/fdinfo for a "fd -> target" line.</summary>
    private string FdInfo(string described)
    {
        try
        {
            string fd = described.Split(' ')[0];
            return File.ReadAllLines($"/proc/{_process.Id}/fdinfo/{fd}").FirstOrDefault(l => l.StartsWith("flags:", StringComparison.Ordinal)) ?? "?";
        }
        catch (IOException)
        {
            return "closed";
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                Signal(LibC.SIGTERM);
                Task finished = await Task.WhenAny(_exited.Task, Task.Delay(TimeSpan.FromSeconds(20)));
                if (finished != _exited.Task)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync();
                }
            }
        }
        finally
        {
            _notify.Dispose();
            try
            {
                await _notifyLoop;
            }
            catch (Exception)
            {
            }

            _process.Dispose();
            if (_ownsDirectory)
            {
                Directory.Dispose();
            }
        }
    }

    private async Task ReceiveNotificationsAsync()
    {
        byte[] buffer = new byte[4096];
        while (true)
        {
            int n;
            try
            {
                n = await _notify.ReceiveAsync(buffer, SocketFlags.None);
            }
            catch (Exception ex) when (ex is ObjectDisposedException or SocketException or OperationCanceledException)
            {
                return;
            }

            lock (_notifications)
            {
                _notifications.Add(Encoding.UTF8.GetString(buffer, 0, n));
                _notificationTimes.Add(_received.Elapsed);
            }
        }
    }
}
