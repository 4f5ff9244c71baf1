using System.Text.Json;
using SocketBridge.Configuration;

namespace SocketBridge.Cli;

/// <summary>
/// Where <c>status</c> and <c>reload</c> find the daemon's control socket
/// (SPEC 2), one way for both: <c>--control</c> when given (the files are
/// then not read); otherwise SocketBridge:ControlSocket from the
/// configuration files <c>run</c> reads (<c>-c</c>, or the main file and
/// <c>bridges.d</c>); otherwise the default. What differs is how the files
/// are read: <c>status</c> loads them as <c>run</c> does, and stops at their
/// problems; <c>reload</c> must not, since the files are the daemon's to
/// validate (an invalid one is what it must refuse and log), so only
/// ControlSocket is read from them, as written.
/// </summary>
internal static class ControlSocketLocator
{
    /// <summary>For <c>status</c>: null when the files have problems, which are printed on <paramref name="errors"/>, one a line.</summary>
    public static string? FromLoadedFiles(IReadOnlyList<string>? files, string? control, TextWriter errors)
    {
        if (!string.IsNullOrEmpty(control))
        {
            return control;
        }

        SocketBridgeOptions? options = ConfigurationReporter.Load(() => new ConfigurationLoader().Load(ConfigurationFiles.Resolve(files ?? [])), errors);
        return options?.Daemon.ControlSocket;
    }

    /// <summary>For <c>reload</c>: SocketBridge:ControlSocket as the files spell it, the last one wins (as when they are merged).</summary>
    public static string FromWrittenFiles(IReadOnlyList<string>? files, string? control)
    {
        if (!string.IsNullOrEmpty(control))
        {
            return control;
        }

        string path = DaemonOptions.DefaultControlSocket;
        foreach (string file in ConfigurationFiles.Resolve(files ?? []))
        {
            if (!ConfigurationFileReader.TryRead(file, out string text, out _))
            {
                // Not a file that can be read (a FIFO, too large...): the daemon will say so.
                continue;
            }

            try
            {
                using JsonDocument document = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
                if (document.RootElement.ValueKind == JsonValueKind.Object
                    && document.RootElement.TryGetProperty("SocketBridge", out JsonElement daemon)
                    && daemon.ValueKind == JsonValueKind.Object
                    && daemon.TryGetProperty("ControlSocket", out JsonElement socket)
                    && socket.ValueKind == JsonValueKind.String)
                {
                    path = socket.GetString()!;
                }
            }
            catch (JsonException)
            {
                // Not JSON: the daemon will say so.
            }
        }

        return path;
    }
}
