using System.Text.Json;

namespace SocketBridge.Configuration;

/// <summary>Typed reads of configuration values; a wrong type is an error that names the key.</summary>
internal static class NodeReader
{
    public static bool TryString(ConfigNode node, ErrorCollector errors, out string value)
    {
        value = string.Empty;
        if (!node.IsString)
        {
            errors.Add(node, $"must be a string, not {Describe(node)}");
            return false;
        }

        value = node.Text ?? node.Value.GetString()!;
        return true;
    }

    public static bool TryBoolean(ConfigNode node, ErrorCollector errors, out bool value)
    {
        value = false;
        if (!node.IsObject && node.Value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            value = node.Value.GetBoolean();
            return true;
        }

        errors.Add(node, $"must be true or false, not {Describe(node)}");
        return false;
    }

    public static bool TryInteger(ConfigNode node, ErrorCollector errors, int min, int max, out int value)
    {
        value = 0;
        if (node.IsObject || node.Value.ValueKind != JsonValueKind.Number || !node.Value.TryGetInt64(out long n))
        {
            errors.Add(node, $"must be a whole number from {min} to {max}, not {Describe(node)}");
            return false;
        }

        if (n < min || n > max)
        {
            errors.Add(node, $"must be from {min} to {max}, not {n}");
            return false;
        }

        value = (int)n;
        return true;
    }

    public static bool TryStringArray(ConfigNode node, ErrorCollector errors, out List<string> values)
    {
        values = [];
        if (node.Items is not null)
        {
            values.AddRange(node.Items);
            return true;
        }

        if (node.IsObject || node.Value.ValueKind != JsonValueKind.Array)
        {
            errors.Add(node, $"must be an array of strings, not {Describe(node)}");
            return false;
        }

        int index = 0;
        foreach (JsonElement item in node.Value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                errors.Add(node, $"element {index} must be a string, not {Describe(item)}");
                return false;
            }

            values.Add(item.GetString()!);
            index++;
        }

        return true;
    }

    public static bool TryDuration(ConfigNode node, ErrorCollector errors, out TimeSpan value)
    {
        value = default;
        if (!TryString(node, errors, out string text))
        {
            return false;
        }

        if (!DurationParser.TryParse(text, out value, out string error))
        {
            errors.Add(node, error);
            return false;
        }

        return true;
    }

    public static string Describe(ConfigNode node) => node switch
    {
        { IsObject: true } => "an object",
        { Text: { } text } => $"the string \"{text}\"",
        { Items: not null } => "an array",
        _ => Describe(node.Value),
    };

    public static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{element.GetString()}\"",
        JsonValueKind.Number => $"the number {element.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => $"{element.GetRawText()}",
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => "nothing",
    };
}
