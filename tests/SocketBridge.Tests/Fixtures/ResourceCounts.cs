namespace SocketBridge.Tests.Fixtures;

/// <summary>
/// What a process holds, as /proc shows it: open descriptors and child
/// processes. Descriptors of code files (.dll, .so) are left out: the .NET
/// runtime opens each assembly once, the first time it is needed, which may
/// be at the first connection, and keeps it for the life of the process.
/// </summary>
public sealed record ResourceCounts(int Descriptors, int Children)
{
    public static ResourceCounts Of(int pid) => new(Described(pid).Length, ProcFs.Children(pid).Count);

    /// <summary>"fd -> target" for the descriptors counted.</summary>
    public static string[] Described(int pid) => [.. ProcFs.DescribeDescriptors(pid).Where(d => !IsCode(d))];

    /// <summary>Whether a "fd -> target" line names an assembly or shared library.</summary>
    public static bool IsCode(string described) =>
        described.EndsWith(".dll", StringComparison.Ordinal) || described.EndsWith(".so", StringComparison.Ordinal) || described.Contains(".so.", StringComparison.Ordinal);

    public override string ToString() => $"{Descriptors} descriptor(s) (besides code files), {Children} child(ren)";
}
