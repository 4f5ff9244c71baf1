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

    public ProcessFigures()
    {
        using Process self = Process.GetCurrentProcess();
        StartTime = new DateTimeOffset(self.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0;
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
