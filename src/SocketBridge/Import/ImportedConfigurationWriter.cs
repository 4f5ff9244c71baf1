using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace SocketBridge.Import;

/// <summary>Writes imported bridges as a complete configuration, <c>{"Bridges": {...}}</c> (SPEC 3).</summary>
public static class ImportedConfigurationWriter
{
    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,

        // A configuration file, not HTML: shell scripts keep their quotes, < and >.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Write(IEnumerable<ImportedBridge> bridges)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, Options))
        {
            json.WriteStartObject();
            json.WriteStartObject("Bridges");
            foreach (ImportedBridge bridge in bridges)
            {
                WriteBridge(json, bridge);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static void WriteBridge(Utf8JsonWriter json, ImportedBridge bridge)
    {
        json.WriteStartObject(bridge.Name);
        json.WriteString("Listen", bridge.Listen);
        json.WriteString("Mode", bridge.Mode);
        json.WriteStartArray("Exec");
        foreach (string argument in bridge.Exec)
        {
            json.WriteStringValue(argument);
        }

        json.WriteEndArray();
        WriteOptional(json, "WorkingDirectory", bridge.WorkingDirectory);
        WriteOptional(json, "User", bridge.User);
        WriteOptional(json, "Group", bridge.Group);
        if (bridge.Environment.Count > 0)
        {
            json.WriteStartObject("Environment");
            foreach ((string name, string value) in bridge.Environment)
            {
                json.WriteString(name, value);
            }

            json.WriteEndObject();
        }

        if (bridge.PassEnvironment.Count > 0)
        {
            json.WriteStartArray("PassEnvironment");
            foreach (string name in bridge.PassEnvironment)
            {
                json.WriteStringValue(name);
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter json, string key, string? value)
    {
        if (value is not null)
        {
            json.WriteString(key, value);
        }
    }
}
