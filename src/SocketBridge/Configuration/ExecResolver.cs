namespace SocketBridge.Configuration;

/// <summary>Finds the program of an <c>Exec</c>: an absolute path, or a name looked up in PATH at load.</summary>
internal static class ExecResolver
{
    public static bool TryResolve(string program, string? searchPath, out string resolved, out string error)
    {
        resolved = string.Empty;
        error = string.Empty;
        if (program.Length == 0)
        {
            error = "the program (element 0) is empty";
            return false;
        }

        if (program.Contains('/', StringComparison.Ordinal))
        {
            if (!program.StartsWith('/'))
            {
                error = $"\"{program}\" must be an absolute path or a name found in PATH";
                return false;
            }

            return Check(program, out resolved, out error);
        }

        foreach (string directory in (searchPath ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, program);
            if (File.Exists(candidate) && Native.Posix.IsExecutable(candidate))
            {
                resolved = candidate;
                return true;
            }
        }

        error = $"\"{program}\" was not found in PATH ({searchPath})";
        return false;
    }

    private static bool Check(string path, out string resolved, out string error)
    {
        resolved = path;
        error = string.Empty;
        if (Directory.Exists(path))
        {
            error = $"{path} is a directory, not a program";
            return false;
        }

        if (!File.Exists(path))
        {
            error = $"{path} does not exist";
            return false;
        }

        if (!Native.Posix.IsExecutable(path))
        {
            error = $"{path} is not executable";
            return false;
        }

        return true;
    }
}
