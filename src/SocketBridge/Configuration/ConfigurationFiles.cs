namespace SocketBridge.Configuration;

/// <summary>Which files make up the configuration (SPEC 2: run, check).</summary>
internal static class ConfigurationFiles
{
    public const string MainFile = "/etc/socketbridge/socketbridge.json";
    public const string DropInDirectory = "/etc/socketbridge/bridges.d";

    /// <summary>
    /// The files given with <c>-c</c>, in order; without any, the main file
    /// (when present) and then every <c>bridges.d/*.json</c> in name order.
    /// </summary>
    public static IReadOnlyList<string> Resolve(IReadOnlyList<string> explicitFiles, string mainFile = MainFile, string dropInDirectory = DropInDirectory)
    {
        if (explicitFiles.Count > 0)
        {
            return explicitFiles;
        }

        var files = new List<string>();
        if (File.Exists(mainFile))
        {
            files.Add(mainFile);
        }

        if (Directory.Exists(dropInDirectory))
        {
            string[] dropIns = Directory.GetFiles(dropInDirectory, "*.json");
            Array.Sort(dropIns, StringComparer.Ordinal);
            files.AddRange(dropIns);
        }

        return files;
    }
}
