using SocketBridge.Hosting;
using SocketBridge.Import;

namespace SocketBridge.Cli;

/// <summary>
/// <c>socketbridge import FORMAT FILE...</c> (SPEC 2): translates each file,
/// prints the configuration of those it could translate on stdout, and every
/// note on stderr. Exit 0 when at least one file was translated, 78 when none
/// could be, 1 when a file could not be read.
/// </summary>
internal sealed class ImportRunner(IJobImporter importer, TextWriter output, TextWriter errors)
{
    public int Run(IReadOnlyList<string> files)
    {
        var bridges = new List<ImportedBridge>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        int translated = 0, unreadable = 0;
        foreach (string file in files)
        {
            ImportedJob job;
            try
            {
                job = importer.Import(file);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                errors.WriteLine($"{file}: cannot read: {Describe(file, ex)}");
                unreadable++;
                continue;
            }

            foreach (ImportNote note in job.Notes)
            {
                errors.WriteLine(note);
            }

            if (!job.Translated)
            {
                continue;
            }

            translated++;
            foreach (ImportedBridge bridge in job.Bridges)
            {
                string name = BridgeNames.Unique(bridge.Name, names);
                if (name != bridge.Name)
                {
                    errors.WriteLine(new ImportNote(bridge.File, null, $"bridge {bridge.Name}", $"named {name}: an earlier file has a bridge {bridge.Name}"));
                }

                bridges.Add(bridge with { Name = name });
            }
        }

        if (bridges.Count > 0)
        {
            output.Write(ImportedConfigurationWriter.Write(bridges));
        }

        errors.WriteLine($"socketbridge import {importer.Format}: {translated} of {files.Count} file(s) translated, {bridges.Count} bridge(s)");
        if (unreadable > 0)
        {
            return ExitCodes.Failure;
        }

        return translated > 0 ? ExitCodes.Success : ExitCodes.Config;
    }

    private static string Describe(string file, Exception ex) => ex switch
    {
        _ when Directory.Exists(file) => "is a directory",
        FileNotFoundException or DirectoryNotFoundException => "no such file",
        UnauthorizedAccessException => "permission denied",
        _ => ex.Message,
    };
}
