using System.Globalization;
using SocketBridge.Native;

namespace SocketBridge.Configuration;

/// <summary>
/// A <c>Limit*</c> value as systemd.exec(5) writes it: one value for both
/// the soft and the hard limit, or <c>"SOFT:HARD"</c>; each a whole number,
/// <c>infinity</c>, or for sizes a number with <c>K</c>, <c>M</c> or
/// <c>G</c> (base 1024). A JSON number is the same as its digits.
/// </summary>
internal static class ResourceLimitParser
{
    public static string Forms(ResourceUnit unit) => unit switch
    {
        ResourceUnit.Bytes => "a number of bytes or one with K, M or G (base 1024), \"SOFT:HARD\", or \"infinity\", as \"256M\" or \"64M:128M\"",
        ResourceUnit.Seconds => "a number of CPU seconds, \"SOFT:HARD\", or \"infinity\", as 10 or \"10:15\"",
        _ => "a whole number, \"SOFT:HARD\", or \"infinity\", as 64 or \"64:128\"",
    };

    public static bool TryParse(string text, ResourceKind kind, ResourceUnit unit, out ResourceLimit limit, out string error)
    {
        limit = default;
        error = string.Empty;
        string[] parts = text.Split(':');
        if (parts.Length > 2)
        {
            error = $"\"{text}\" is not a limit (expected {Forms(unit)})";
            return false;
        }

        if (!TryValue(parts[0], unit, out ulong soft) || !TryValue(parts[^1], unit, out ulong hard))
        {
            error = $"\"{text}\" is not a limit (expected {Forms(unit)})";
            return false;
        }

        if (soft > hard)
        {
            error = $"\"{text}\": the soft limit is above the hard one";
            return false;
        }

        if (kind == ResourceKind.OpenFiles && hard == ResourceLimit.Infinity)
        {
            error = $"\"{text}\": the kernel takes no infinite open-file limit; give a number (at most /proc/sys/fs/nr_open)";
            return false;
        }

        limit = new ResourceLimit(kind, soft, hard);
        return true;
    }

    private static bool TryValue(string text, ResourceUnit unit, out ulong value)
    {
        value = 0;
        string s = text.Trim();
        if (s == "infinity")
        {
            value = ResourceLimit.Infinity;
            return true;
        }

        if (unit == ResourceUnit.Bytes)
        {
            if (!SizeParser.TryParse(s, out long bytes, out _))
            {
                return false;
            }

            value = (ulong)bytes;
            return true;
        }

        return s.Length is > 0 and <= 18 && ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
