using System.Globalization;

namespace SocketBridge.Access;

/// <summary>
/// The RateLimit key: <c>"20/s"</c>, <c>"100/min"</c>, <c>"1000/h"</c>: that many
/// new connections per period, with that many as the burst.
/// </summary>
internal readonly record struct RateLimit(int Count, TimeSpan Period, string Text)
{
    public static bool TryParse(string text, out RateLimit limit, out string error)
    {
        limit = default;
        error = $"\"{text}\" is not a rate (expected a count per unit, as \"20/s\", \"100/min\" or \"1000/h\")";
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || !int.TryParse(text[..slash], NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count < 1)
        {
            return false;
        }

        TimeSpan? period = text[(slash + 1)..] switch
        {
            "s" or "sec" or "second" => TimeSpan.FromSeconds(1),
            "min" or "minute" => TimeSpan.FromMinutes(1),
            "h" or "hour" => TimeSpan.FromHours(1),
            _ => null,
        };
        if (period is null)
        {
            return false;
        }

        limit = new RateLimit(count, period.Value, text);
        error = string.Empty;
        return true;
    }

    public override string ToString() => Text;
}
