using System.Text;

namespace SocketBridge.Hosting;

/// <summary>
/// The daemon's own program as it was started: the executable's path
/// (/proc/self/exe resolved at start, so after a package upgrade it names
/// the new file) and the exact argument vector (/proc/self/cmdline), which
/// a re-exec executes again.
/// </summary>
internal sealed class DaemonProgram
{
    private DaemonProgram(string path, IReadOnlyList<string> arguments)
    {
        Path = path;
        Arguments = arguments;
    }

    public string Path { get; }

    /// <summary>argv, argv[0] included.</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>Read at start, before anything could change the process's view of itself.</summary>
    public static DaemonProgram Current()
    {
        string path = Environment.ProcessPath ?? "/proc/self/exe";
        IReadOnlyList<string> arguments;
        try
        {
            string cmdline = Encoding.UTF8.GetString(File.ReadAllBytes("/proc/self/cmdline"));
            arguments = cmdline.TrimEnd('\0').Split('\0');
        }
        catch (IOException)
        {
            arguments = Environment.GetCommandLineArgs();
        }

        return new DaemonProgram(path, arguments);
    }

    /// <summary>
    /// The arguments of the check run: the same with the command word
    /// <c>run</c> replaced by <c>check</c>; null when the daemon was not
    /// started with <c>run</c> (serve has no configuration to check).
    /// </summary>
    public IReadOnlyList<string>? CheckArguments()
    {
        for (int i = 1; i < Arguments.Count; i++)
        {
            if (Arguments[i] == "run")
            {
                return [.. Arguments.Take(i), "check", .. Arguments.Skip(i + 1)];
            }
        }

        return null;
    }
}
