namespace SocketBridge.Tests.Fixtures;

/// <summary>The socketbridge executable under test: $SOCKETBRIDGE_BIN, else out/socketbridge of this checkout.</summary>
public static class Binary
{
    // Lazy: the unit tests read RepositoryRoot (the documentation they check) on a
    // clean checkout, where no out/socketbridge has been built yet.
    private static readonly Lazy<string> Executable = new(Find);

    public static string Path => Executable.Value;

    public static string RepositoryRoot { get; } = FindRoot();

    private static string Find()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("SOCKETBRIDGE_BIN");
        string path = string.IsNullOrEmpty(fromEnvironment) ? System.IO.Path.Combine(FindRoot(), "out", "socketbridge") : fromEnvironment;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} does not exist: run 'make build' first, or set SOCKETBRIDGE_BIN");
        }

        return path;
    }

    private static string FindRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(d.FullName, "SocketBridge.sln")))
            {
                return d.FullName;
            }
        }

        throw new DirectoryNotFoundException("cannot find the repository root (SocketBridge.sln) above " + AppContext.BaseDirectory);
    }
}
