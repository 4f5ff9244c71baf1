namespace SocketBridge.Tests.Fixtures;

/// <summary>What /proc says about processes: children, zombies, open descriptors.</summary>
public static class ProcFs
{
    /// <summary>(pid, state) of every process whose parent is <paramref name="parent"/>.</summary>
    public static List<(int Pid, char State)> Children(int parent)
    {
        var result = new List<(int, char)>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            // pid (comm) state ppid ...: comm may hold spaces and parentheses.
            int close = stat.LastIndexOf(')');
            string[] fields = stat[(close + 2)..].Split(' ');
            if (int.TryParse(fields[1], out int ppid) && ppid == parent)
            {
                result.Add((pid, fields[0][0]));
            }
        }

        return result;
    }

    /// <summary>The descriptor numbers a process has open.</summary>
    public static int[] OpenDescriptors(int pid) =>
        Directory.GetFiles($"/proc/{pid}/fd").Select(p => int.Parse(Path.GetFileName(p))).Order().ToArray();

    /// <summary>VmRSS of a process, in bytes.</summary>
    public static long ResidentBytes(int pid)
    {
        string line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }

    /// <summary>"fd -> target" for each open descriptor (socket:[inode], pipe:[inode], a path...), for failure messages.</summary>
    public static string[] DescribeDescriptors(int pid)
    {
        var result = new List<string>();
        foreach (int fd in OpenDescriptors(pid))
        {
            try
            {
                result.Add($"{fd} -> {new FileInfo($"/proc/{pid}/fd/{fd}").LinkTarget}");
            }
            catch (IOException)
            {
                // Closed since it was listed.
            }
        }

        return [.. result];
    }

    public static bool IsAlive(int pid) => File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ");
}
