using SocketBridge.Endpoints;

namespace SocketBridge.Configuration;

internal static class ArgumentSpaceRule
{
    /// <summary>
    /// The program's arguments and environment, with the variables the
    /// daemon adds, must fit in what execve(2) takes, or every launch would
    /// fail with E2BIG.
    /// </summary>
    public static void Check(ConfigNode bridge, ErrorCollector errors, ProgramOptions program, IReadOnlyList<ListenEndpoint> listen)
    {
        ExecOptions exec = program.Exec;
        long arguments = ArgumentSpace.Bytes(exec.Path) + exec.Arguments.Sum(a => ArgumentSpace.Bytes(a) + ArgumentSpace.PointerSize);
        long configured = program.Environment.Take(program.ConfiguredVariables).Sum(v => ArgumentSpace.Bytes(v) + ArgumentSpace.PointerSize);
        long passed = program.Environment.Skip(program.ConfiguredVariables).Sum(v => ArgumentSpace.Bytes(v) + ArgumentSpace.PointerSize);
        long total = arguments + configured + passed + ArgumentSpace.Reserved(bridge.Name, listen);
        long limit = ArgumentSpace.Limit;
        if (total <= limit)
        {
            return;
        }

        // Name the key that takes the most room.
        string key = configured >= passed && configured >= arguments ? "Environment" : passed >= arguments ? "PassEnvironment" : "Exec";
        errors.Add(bridge.File, $"{bridge.Path}:{key}", string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"with Exec and the variables socketbridge adds, the program's arguments and environment take {total} bytes; execve(2) takes at most {limit} here (ARG_MAX)"));
    }
}
