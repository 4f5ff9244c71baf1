using System.Globalization;
using SocketBridge.Bridges;

namespace SocketBridge.Control;

/// <summary>
/// A bridge's counts per second between two status answers (<c>status
/// --watch</c>): connections accepted, refused, and bytes forwarded both
/// ways. Null where the earlier answer did not have the bridge, or the
/// daemon does not count it (bytes from one that predates the counts).
/// </summary>
internal sealed record StatusRates(double? Accepted, double? Refused, double? Bytes)
{
    /// <summary>The rates of each bridge of <paramref name="now"/> that <paramref name="before"/> had too, <paramref name="elapsed"/> apart.</summary>
    public static Dictionary<string, StatusRates> Between(StatusResponse? before, StatusResponse now, TimeSpan elapsed)
    {
        var rates = new Dictionary<string, StatusRates>(StringComparer.Ordinal);
        if (before is null || elapsed <= TimeSpan.Zero)
        {
            return rates;
        }

        double seconds = elapsed.TotalSeconds;
        foreach (BridgeStatus bridge in now.Bridges)
        {
            BridgeStatus? earlier = before.Bridges.FirstOrDefault(b => b.Name == bridge.Name);
            if (earlier is null)
            {
                continue;
            }

            double? bytes = bridge.Counts is { } counts && earlier.Counts is { } was
                ? Math.Max(0, counts.BytesIn + counts.BytesOut - was.BytesIn - was.BytesOut) / seconds
                : null;
            rates[bridge.Name] = new StatusRates(
                Math.Max(0, bridge.Total - earlier.Total) / seconds,
                Math.Max(0, bridge.Refused - earlier.Refused) / seconds,
                bytes);
        }

        return rates;
    }

    /// <summary>Bytes per second in binary units, as a column shows them.</summary>
    public static string FormatBytes(double? perSecond) => perSecond switch
    {
        null => "-",
        < 1024 => ((double)perSecond).ToString("0", CultureInfo.InvariantCulture),
        < 1024 * 1024 => (perSecond.Value / 1024).ToString("0.0", CultureInfo.InvariantCulture) + "K",
        < 1024.0 * 1024 * 1024 => (perSecond.Value / (1024 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + "M",
        _ => (perSecond.Value / (1024.0 * 1024 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + "G",
    };
}
