using System.Text.Json;

namespace SocketBridge.Configuration;

/// <summary>
/// One key of the merged configuration: an object of further keys or a JSON
/// value, with the file that last set it, so errors can name that file. A
/// bridge given by arguments (serve's) has keys of the same paths holding
/// the arguments as they are: a string or an array of strings, no JSON.
/// </summary>
internal sealed class ConfigNode
{
    private ConfigNode(string path, string file)
    {
        Path = path;
        File = file;
    }

    /// <summary>The key as messages show it, e.g. <c>Bridges:echo:Listen</c>.</summary>
    public string Path { get; }

    /// <summary>The file that last set this key.</summary>
    public string File { get; private set; }

    /// <summary>The value when this key is not an object and came from a file.</summary>
    public JsonElement Value { get; private set; }

    /// <summary>The value when this key was given as a string argument; null otherwise.</summary>
    public string? Text { get; private set; }

    /// <summary>The value when this key was given as arguments (an argv); null otherwise.</summary>
    public IReadOnlyList<string>? Items { get; private set; }

    /// <summary>Whether the value is a string, from a file or an argument.</summary>
    public bool IsString => Text is not null || (!IsObject && Value.ValueKind == JsonValueKind.String);

    /// <summary>Whether the value is an array, from a file or arguments.</summary>
    public bool IsArray => Items is not null || (!IsObject && Value.ValueKind == JsonValueKind.Array);

    /// <summary>The keys of an object, in the order first seen. Names are case-sensitive, as in JSON: a bridge "Web" is not "web".</summary>
    public Dictionary<string, ConfigNode>? Children { get; private set; }

    public bool IsObject => Children is not null;

    /// <summary>The last segment of <see cref="Path"/>.</summary>
    public string Name => Path[(Path.LastIndexOf(':') + 1)..];

    public static ConfigNode CreateRoot(string file) => new(string.Empty, file) { Children = new(StringComparer.Ordinal) };

    /// <summary>A bridge <paramref name="name"/> whose keys are given by arguments, not a file; <paramref name="origin"/> names them in messages.</summary>
    public static ConfigNode CreateBridge(string origin, string name) => new($"Bridges:{name}", origin) { Children = new(StringComparer.Ordinal) };

    /// <summary>Sets the key <paramref name="key"/> of this object to the string argument <paramref name="value"/>.</summary>
    public void SetArgument(string key, string value) => AddArgument(key).Text = value;

    /// <summary>Sets the key <paramref name="key"/> of this object to the arguments <paramref name="values"/>.</summary>
    public void SetArgument(string key, IReadOnlyList<string> values) => AddArgument(key).Items = [.. values];

    private ConfigNode AddArgument(string key)
    {
        var child = new ConfigNode($"{Path}:{key}", File);
        Children!.Add(key, child);
        return child;
    }

    /// <summary>
    /// Lays <paramref name="element"/> from <paramref name="file"/> over this
    /// node: objects merge key by key, anything else (arrays too) replaces.
    /// </summary>
    public void Merge(JsonElement element, string file)
    {
        File = file;
        if (element.ValueKind != JsonValueKind.Object)
        {
            Children = null;
            Value = element.Clone();
            return;
        }

        Children ??= new(StringComparer.Ordinal);
        Value = default;
        foreach (JsonProperty property in element.EnumerateObject())
        {
            if (!Children.TryGetValue(property.Name, out ConfigNode? child))
            {
                child = new ConfigNode(Path.Length == 0 ? property.Name : $"{Path}:{property.Name}", file);
                Children.Add(property.Name, child);
            }

            child.Merge(property.Value, file);
        }
    }

    /// <summary>
    /// The merged value as compact JSON with object keys in ordinal order,
    /// so two loads of the same settings compare equal (reload tells changed
    /// bridges from unchanged ones by it).
    /// </summary>
    public string Canonical()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            WriteCanonical(writer);
        }

        return System.Text.Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }

    private void WriteCanonical(Utf8JsonWriter writer)
    {
        if (Text is not null)
        {
            writer.WriteStringValue(Text);
            return;
        }

        if (Items is not null)
        {
            writer.WriteStartArray();
            foreach (string item in Items)
            {
                writer.WriteStringValue(item);
            }

            writer.WriteEndArray();
            return;
        }

        if (Children is null)
        {
            if (Value.ValueKind == JsonValueKind.Undefined)
            {
                writer.WriteNullValue();
            }
            else
            {
                Value.WriteTo(writer);
            }

            return;
        }

        writer.WriteStartObject();
        foreach (string key in Children.Keys.Order(StringComparer.Ordinal))
        {
            writer.WritePropertyName(key);
            Children[key].WriteCanonical(writer);
        }

        writer.WriteEndObject();
    }

    public ConfigNode? this[string key] => Children is not null && Children.TryGetValue(key, out ConfigNode? child) ? child : null;
}
