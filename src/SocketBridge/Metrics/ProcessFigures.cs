using System.Diagnostics;
using System.Globalization;

namespace SocketBridge.Metrics;

/// <summary>
/// The daemon process's own figures, read when a collector asks: open
/// descriptors, resident memory, threads (from /proc/self on Linux), and its
/// start time, which an exec keeps (the same process: a re-exec does not
/// reset it).
/// </summary>
internal sealed class ProcessFigures
{
    private const string DescriptorDirectory = "/proc/self/fd";
    private const string StatFile = "/proc/self/stat";

    /// <summary>The kernel's USER_HZ, the unit of stat(5)'s times: 100 on every Linux ABI (Prometheus's procfs takes it so too).</summary>
    private const double UserHz = 100;

    public ProcessFigures()
    {
        StartTime = OperatingSystem.IsLinux() ? KernelStartTime() : RuntimeStartTime();
    }

    /// <summary>Seconds since the Unix epoch.</summary>
    public double StartTime { get; }

    public static long OpenDescriptors()
    {
        string directory = OperatingSystem.IsLinux() ? DescriptorDirectory : "/dev/fd";
        long count = 0;
        foreach (string _ in Directory.EnumerateFileSystemEntries(directory))
        {
            count++;
        }

        // The enumeration's own descriptor was one of them.
        return count - 1;
    }

    public static long ResidentBytes() => Environment.WorkingSet;

    /// <summary>
    /// The boot time (/proc/stat's btime) plus the process's start in ticks
    /// after boot (stat(5) field 22), as process_start_time_seconds is
    /// defined: two numbers the kernel keeps, so every image of a re-exec
    /// gives the same value. The runtime's Process.StartTime derives the boot
    /// time from the uptime at each call, a few milliseconds off each time.
    /// </summary>
    private static double KernelStartTime()
    {
        string stat = File.ReadAllText(StatFile);
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long ticks = long.Parse(fields[19], CultureInfo.InvariantCulture);
        foreach (string line in File.ReadLines("/proc/stat"))
        {
            if (line.StartsWith("btime ", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6), CultureInfo.InvariantCulture) + (ticks / UserHz);
            }
        }

        return RuntimeStartTime();
    }

    private static double RuntimeStartTime()
    {
        using Process self = Process.GetCurrentProcess();
        return new DateTimeOffset(self.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0;
    }

    public static long Threads()
    {
        if (!OperatingSystem.IsLinux())
        {
            using Process self = Process.GetCurrentProcess();
            return self.Threads.Count;
        }

        // Field 20 of stat(5), counted after the command's closing parenthesis (a command may hold spaces).
        string stat = File.ReadAllText(StatFile);
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[17], CultureInfo.InvariantCulture);
    }
}
