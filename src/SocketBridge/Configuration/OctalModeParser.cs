namespace SocketBridge.Configuration;

/// <summary>File modes as octal strings: <c>"0660"</c>, <c>"660"</c>.</summary>
internal static class OctalModeParser
{
    public static bool TryParse(string? text, out uint mode, out string error)
    {
        mode = 0;
        error = string.Empty;
        string s = text ?? string.Empty;
        if (s.Length is < 3 or > 5 || s.Any(c => c is < '0' or > '7'))
        {
            error = $"\"{text}\" is not an octal mode (expected a string such as \"0660\")";
            return false;
        }

        foreach (char c in s)
        {
            mode = (mode * 8) + (uint)(c - '0');
        }

        if (mode > 0xFFF)
        {
            error = $"\"{text}\" is larger than 07777";
            return false;
        }

        return true;
    }

    public static string Format(uint mode) => "0" + Convert.ToString(mode, 8).PadLeft(3, '0');
}
