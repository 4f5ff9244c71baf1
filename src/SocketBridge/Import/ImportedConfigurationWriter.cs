using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using SocketBridge.Configuration;

namespace SocketBridge.Import;

/// <summary>Writes imported bridges as a complete configuration, <c>{"Bridges": {...}}</c> (SPEC 3).</summary>
internal static class ImportedConfigurationWriter
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
        json.WriteString(BridgeKeys.Listen.Name, bridge.Listen);
        json.WriteString(BridgeKeys.Mode.Name, bridge.Mode);
        WriteOptional(json, BridgeKeys.Target, bridge.Target);
        WriteList(json, BridgeKeys.Exec, bridge.Exec);
        WriteOptional(json, BridgeKeys.StandardInput, bridge.StandardInput);
        WriteOptional(json, BridgeKeys.WorkingDirectory, bridge.WorkingDirectory);
        WriteOptional(json, BridgeKeys.User, bridge.User);
        WriteOptional(json, BridgeKeys.Group, bridge.Group);
        if (bridge.Environment.Count > 0)
        {
            json.WriteStartObject(BridgeKeys.Environment.Name);
            foreach ((string name, string value) in bridge.Environment)
            {
                json.WriteString(name, value);
            }

            json.WriteEndObject();
        }

        WriteList(json, BridgeKeys.PassEnvironment, bridge.PassEnvironment);
        WriteOptional(json, BridgeKeys.MaxConnections, bridge.MaxConnections);
        WriteOptional(json, BridgeKeys.MaxConnectionsPerSource, bridge.MaxConnectionsPerSource);
        WriteOptional(json, BridgeKeys.RateLimit, bridge.RateLimit);
        WriteList(json, BridgeKeys.AllowFrom, bridge.AllowFrom);
        WriteList(json, BridgeKeys.DenyFrom, bridge.DenyFrom);
        if (bridge.KeepAlive is { } keepAlive)
        {
            json.WriteBoolean(BridgeKeys.KeepAlive.Name, keepAlive);
        }

        foreach (ResourceLimitKey limit in ResourceLimitKey.All)
        {
            if (bridge.Limits.TryGetValue(limit.Key.Name, out string? value))
            {
                // A plain number as a JSON number (4096), the other forms as strings ("8M", "64:128").
                if (ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out ulong number))
                {
                    json.WriteNumber(limit.Key.Name, number);
                }
                else
                {
                    json.WriteString(limit.Key.Name, value);
                }
            }
        }

        WriteOptional(json, BridgeKeys.Nice, bridge.Nice);
        WriteOptional(json, BridgeKeys.UMask, bridge.UMask);
        json.WriteEndObject();
    }

    /// <summary>An array key, left out when empty.</summary>
    private static void WriteList(Utf8JsonWriter json, BridgeKey key, IReadOnlyList<string> values)
    {
        if (values.Count == 0)
        {
            return;
        }

        json.WriteStartArray(key.Name);
        foreach (string value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }

    private static void WriteOptional(Utf8JsonWriter json, BridgeKey key, int? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(key.Name, number);
        }
    }

    private static void WriteOptional(Utf8JsonWriter json, BridgeKey key, string? value)
    {
        if (value is not null)
        {
            json.WriteString(key.Name, value);
        }
    }
}
