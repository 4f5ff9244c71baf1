using System.Globalization;

namespace SocketBridge.Configuration;

/// <summary>Durations as <c>hh:mm:ss[.fff]</c> or a number with a unit: <c>500ms</c>, <c>5s</c>, <c>2min</c>, <c>1h</c>, <c>1d</c>.</summary>
internal static class DurationParser
{
    public const string Forms = "expected hh:mm:ss or a number with a unit (ms, s, min, h, d), as \"00:00:10\" or \"10s\"";

    public static bool TryParse(string? text, out TimeSpan value, out string error)
    {
        value = default;
        error = string.Empty;
        string s = text?.Trim() ?? string.Empty;
        if (s.Length == 0)
        {
            error = $"is empty ({Forms})";
            return false;
        }

        if (s.Contains(':', StringComparison.Ordinal))
        {
            if (TimeSpan.TryParseExact(s, ["hh\\:mm\\:ss", "hh\\:mm\\:ss\\.FFFFFFF", "h\\:mm\\:ss", "d\\.hh\\:mm\\:ss"], CultureInfo.InvariantCulture, out value))
            {
                return true;
            }

            error = $"\"{text}\" is not a duration ({Forms})";
            return false;
        }

        int unitStart = 0;
        while (unitStart < s.Length && (char.IsAsciiDigit(s[unitStart]) || s[unitStart] == '.'))
        {
            unitStart++;
        }

        string number = s[..unitStart];
        string unit = s[unitStart..].Trim();
        if (number.Length == 0 || !double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double amount))
        {
            error = $"\"{text}\" is not a duration ({Forms})";
            return false;
        }

        double? milliseconds = unit switch
        {
            "ms" => amount,
            "s" or "sec" => amount * 1000,
            "m" or "min" => amount * 60_000,
            "h" or "hr" => amount * 3_600_000,
            "d" => amount * 86_400_000,
            _ => null,
        };
        if (milliseconds is null)
        {
            error = unit.Length == 0
                ? $"\"{text}\" needs a unit ({Forms})"
                : $"\"{text}\" has an unknown unit \"{unit}\" ({Forms})";
            return false;
        }

        if (milliseconds.Value > TimeSpan.FromDays(365).TotalMilliseconds)
        {
            error = $"\"{text}\" is longer than a year";
            return false;
        }

        value = TimeSpan.FromMilliseconds(milliseconds.Value);
        return true;
    }
}
