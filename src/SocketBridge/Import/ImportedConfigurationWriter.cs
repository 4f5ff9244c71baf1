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
        WriteOptional(json, "Target", bridge.Target);
        WriteList(json, "Exec", bridge.Exec);
        WriteOptional(json, "StandardInput", bridge.StandardInput);
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

        WriteList(json, "PassEnvironment", bridge.PassEnvironment);
        WriteOptional(json, "MaxConnections", bridge.MaxConnections);
        WriteOptional(json, "MaxConnectionsPerSource", bridge.MaxConnectionsPerSource);
        WriteOptional(json, "RateLimit", bridge.RateLimit);
        WriteList(json, "AllowFrom", bridge.AllowFrom);
        WriteList(json, "DenyFrom", bridge.DenyFrom);
        if (bridge.KeepAlive is { } keepAlive)
        {
            json.WriteBoolean("KeepAlive", keepAlive);
        }

        json.WriteEndObject();
    }

    /// <summary>An array key, left out when empty.</summary>
    private static void WriteList(Utf8JsonWriter json, string key, IReadOnlyList<string> values)
    {
        if (values.Count == 0)
        {
            return;
        }

        json.WriteStartArray(key);
        foreach (string value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }

    private static void WriteOptional(Utf8JsonWriter json, string key, int? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(key, number);
        }
    }

    private static void WriteOptional(Utf8JsonWriter json, string key, string? value)
    {
        if (value is not null)
        {
            json.WriteString(key, value);
        }
    }
}
