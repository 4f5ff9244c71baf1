using System.Diagnostics;

namespace SocketBridge.Tests.Fixtures;

/// <summary>
/// Stops one thread of a process from outside, as a wedged loop would be
/// (ptrace(2): PTRACE_SEIZE and PTRACE_INTERRUPT on that thread alone, from
/// python3), and lets it go on when disposed (PTRACE_DETACH; the kernel also
/// detaches if the tracer dies). The rest of the process runs on.
/// </summary>
public sealed class ThreadStopper : IDisposable
{
    private const string Script = """
        import ctypes, os, sys
        libc = ctypes.CDLL(None, use_errno=True)
        libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
        PTRACE_DETACH, PTRACE_SEIZE, PTRACE_INTERRUPT = 17, 0x4206, 0x4207
        tid = int(sys.argv[1])
        def check(rc, what):
            if rc != 0:
                sys.stderr.write(f"{what}: {os.strerror(ctypes.get_errno())}\n"); sys.exit(1)
        check(libc.ptrace(PTRACE_SEIZE, tid, None, None), "PTRACE_SEIZE")
        check(libc.ptrace(PTRACE_INTERRUPT, tid, None, None), "PTRACE_INTERRUPT")
        os.waitpid(tid, 0x40000000)  # __WALL: the thread is stopped
        print("stopped", flush=True)
        sys.stdin.read()             # until the test closes stdin
        check(libc.ptrace(PTRACE_DETACH, tid, None, None), "PTRACE_DETACH")
        """;

    private readonly Process _tracer;

    private ThreadStopper(Process tracer) => _tracer = tracer;

    /// <summary>The thread of <paramref name="pid"/> whose name (/proc/PID/task/TID/comm) is <paramref name="name"/>.</summary>
    public static int FindThread(int pid, string name) => FindThreads(pid, name) is [int tid, ..]
        ? tid
        : throw new InvalidOperationException($"process {pid} has no thread named {name}; its threads: {string.Join(", ", ThreadNames(pid).Select(t => t.Name).Distinct())}");

    /// <summary>Every thread of <paramref name="pid"/> named <paramref name="name"/>.</summary>
    public static int[] FindThreads(int pid, string name) =>
        ThreadNames(pid).Where(t => t.Name == name).Select(t => t.Tid).Order().ToArray();

    private static List<(int Tid, string Name)> ThreadNames(int pid)
    {
        var threads = new List<(int, string)>();
        foreach (string task in Directory.GetDirectories($"/proc/{pid}/task"))
        {
            try
            {
                threads.Add((int.Parse(Path.GetFileName(task)), File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n')));
            }
            catch (IOException)
            {
                // The thread ended meanwhile.
            }
        }

        return threads;
    }

    /// <summary>Stops thread <paramref name="tid"/> and returns once it is stopped.</summary>
    public static async Task<ThreadStopper> StopAsync(int tid)
    {
        var start = new ProcessStartInfo("python3")
        {
            ArgumentList = { "-c", Script, tid.ToString() },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var tracer = Process.Start(start)!;
        var stopper = new ThreadStopper(tracer);
        try
        {
            string? line = await Wait.ForAsync(tracer.StandardOutput.ReadLineAsync(), $"ptrace to stop thread {tid}");
            if (line != "stopped")
            {
                throw new InvalidOperationException($"could not stop thread {tid}: {await tracer.StandardError.ReadToEndAsync()}");
            }
        }
        catch
        {
            stopper.Dispose();
            throw;
        }

        return stopper;
    }

    /// <summary>Lets the thread go on.</summary>
    public void Dispose()
    {
        try
        {
            _tracer.StandardInput.Close();
            if (!_tracer.WaitForExit(10_000))
            {
                _tracer.Kill();
                _tracer.WaitForExit();
            }
        }
        finally
        {
            _tracer.Dispose();
        }
    }
}
