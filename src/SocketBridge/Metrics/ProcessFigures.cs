using System.Diagnostics;
using System.Globalization;
using Microsoft.Win32.SafeHandles;
using SocketBridge.Native;

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

    private readonly Lazy<double> _startTime = new(ReadStartTime);

    /// <summary>Seconds since the Unix epoch; read at the first scrape, not at start (no file, no assembly more while the daemon starts).</summary>
    public double StartTime => _startTime.Value;

    public static long OpenDescriptors() => Posix.OpenDescriptorCount();

    public static long ResidentBytes() => Environment.WorkingSet;

    /// <summary>
    /// On Linux, the boot time (btime of /proc/stat) plus the process's start
    /// in clock ticks since boot (field 22 of /proc/self/stat; USER_HZ is 100
    /// on every Linux architecture): what ps shows, unchanged by an exec.
    /// </summary>
    private static double ReadStartTime()
    {
        if (!OperatingSystem.IsLinux())
        {
            using Process self = Process.GetCurrentProcess();
            return new DateTimeOffset(self.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0;
        }

        const double TicksPerSecond = 100;
        string btime = File.ReadLines("/proc/stat").First(l => l.StartsWith("btime ", StringComparison.Ordinal));
        long boot = long.Parse(btime.AsSpan(6).Trim(), CultureInfo.InvariantCulture);
        string stat = File.ReadAllText(StatFile);
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return boot + (long.Parse(fields[19], CultureInfo.InvariantCulture) / TicksPerSecond);
    }

    public static long Threads()
    {
        if (!OperatingSystem.IsLinux())
        {
            using Process self = Process.GetCurrentProcess();
            return self.Threads.Count;
        }

        // Field 20 of stat(5), counted after the command's closing parenthesis
        // (a command may hold spaces and parentheses); read into the stack, as
        // every scrape asks.
        Span<byte> stat = stackalloc byte[1024];
        using SafeFileHandle file = File.OpenHandle(StatFile);
        int length = RandomAccess.Read(file, stat, 0);
        ReadOnlySpan<byte> fields = stat[..length];
        fields = fields[(fields.LastIndexOf((byte)')') + 2)..];
        for (int field = 3; field < 20; field++)
        {
            fields = fields[(fields.IndexOf((byte)' ') + 1)..];
        }

        int end = fields.IndexOf((byte)' ');
        return long.Parse(end < 0 ? fields : fields[..end], CultureInfo.InvariantCulture);
    }
}
