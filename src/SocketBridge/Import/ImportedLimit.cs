using System.Globalization;
using SocketBridge.Configuration;
using SocketBridge.Native;

namespace SocketBridge.Import;

/// <summary>
/// A <c>Limit*</c> value for an imported bridge from the numbers a job file
/// gave (xinetd's <c>rlimit_*</c>, Upstart's <c>limit</c>), written in
/// <see cref="ResourceLimitParser"/>'s forms and read back by it, so that
/// <c>socketbridge check</c> takes what an import writes.
/// </summary>
internal static class ImportedLimit
{
    private static readonly (string Suffix, int Shift)[] Suffixes = [("G", 30), ("M", 20), ("K", 10)];

    public static ResourceLimitKey KeyFor(ResourceKind kind) => ResourceLimitKey.All.First(k => k.Kind == kind);

    /// <summary>
    /// One value when the soft and the hard limit are the same, <c>"SOFT:HARD"</c>
    /// otherwise; null is unlimited (<c>"infinity"</c>). False, with why, for a
    /// value the daemon would refuse.
    /// </summary>
    public static bool TryFormat(ResourceLimitKey key, ulong? soft, ulong? hard, out string value, out string error)
    {
        value = string.Empty;
        if (soft > long.MaxValue || hard > long.MaxValue)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"\"{(soft > long.MaxValue ? soft : hard)}\": more than the daemon takes (at most {long.MaxValue}, or infinity)");
            return false;
        }

        string text = soft == hard ? Format(key.Unit, soft) : $"{Format(key.Unit, soft)}:{Format(key.Unit, hard)}";
        if (!ResourceLimitParser.TryParse(text, key.Kind, key.Unit, out _, out error))
        {
            return false;
        }

        value = text;
        return true;
    }

    /// <summary>Sizes in the largest unit that divides them exactly (8388608 bytes is "8M"), as a reader would write them; counts and seconds as digits.</summary>
    private static string Format(ResourceUnit unit, ulong? value)
    {
        if (value is not { } number)
        {
            return "infinity";
        }

        if (unit == ResourceUnit.Bytes && number > 0)
        {
            foreach ((string suffix, int shift) in Suffixes)
            {
                if (number % (1UL << shift) == 0)
                {
                    return string.Create(CultureInfo.InvariantCulture, $"{number >> shift}{suffix}");
                }
            }
        }

        return number.ToString(CultureInfo.InvariantCulture);
    }
}
