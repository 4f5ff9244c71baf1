namespace SocketBridge.Import;

/// <summary>Translates one job or service file of another superserver (<c>socketbridge import FORMAT</c>).</summary>
internal interface IJobImporter
{
    /// <summary>The subcommand: <c>upstart</c>, <c>xinetd</c>.</summary>
    string Format { get; }

    /// <summary>What FILE is, for --help.</summary>
    string FileDescription { get; }

    /// <summary>Reads and translates <paramref name="path"/>; throws <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/> when it cannot be read.</summary>
    ImportedJob Import(string path);
}
