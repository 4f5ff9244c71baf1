using System.Globalization;

namespace SocketBridge.Configuration;

/// <summary>
/// Sizes in bytes as systemd.socket(5) takes them for <c>ReceiveBuffer=</c>:
/// a whole number, optionally with <c>K</c>, <c>M</c> or <c>G</c>, to the base
/// of 1024 (<c>"64K"</c> is 65536; <c>KiB</c>, <c>MiB</c>, <c>GiB</c> too).
/// </summary>
internal static class SizeParser
{
    public const string Forms = "expected a number of bytes, or one with K, M or G (base 1024), as 65536 or \"64K\"";

    public static bool TryParse(string text, out long value, out string error)
    {
        value = 0;
        error = string.Empty;
        string s = text.Trim();
        int digits = 0;
        while (digits < s.Length && char.IsAsciiDigit(s[digits]))
        {
            digits++;
        }

        long multiplier = s[digits..] switch
        {
            "" or "B" => 1,
            "K" or "KiB" => 1L << 10,
            "M" or "MiB" => 1L << 20,
            "G" or "GiB" => 1L << 30,
            _ => 0,
        };
        if (digits == 0 || multiplier == 0 || digits > 12
            || !long.TryParse(s[..digits], NumberStyles.None, CultureInfo.InvariantCulture, out long number))
        {
            error = $"\"{text}\" is not a size ({Forms})";
            return false;
        }

        value = number * multiplier;
        return true;
    }
}
