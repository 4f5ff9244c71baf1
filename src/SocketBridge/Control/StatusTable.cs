using System.Globalization;
using SocketBridge.Bridges;

namespace SocketBridge.Control;

/// <summary>
/// <c>socketbridge status</c> for people: one row a bridge, columns as wide
/// as their widest value, the last error cut to the terminal's habits;
/// below them, what each log sink wrote and dropped. With rates (<c>status
/// --watch</c>), three more columns: accepted, refused and bytes per second.
/// </summary>
internal static class StatusTable
{
    private const int MaxErrorLength = 100;

    /// <param name="rates">Per bridge name, for status --watch; a bridge without one shows "-".</param>
    public static void Write(StatusResponse status, TextWriter output, IReadOnlyDictionary<string, StatusRates>? rates = null)
    {
        output.WriteLine($"socketbridge {status.Version} (pid {status.Pid}): {status.Summary}");
        string[] header = rates is null
            ? ["BRIDGE", "LISTEN", "MODE", "STATE", "ACTIVE", "TOTAL", "REFUSED", "LAST ERROR"]
            : ["BRIDGE", "LISTEN", "MODE", "STATE", "ACTIVE", "TOTAL", "REFUSED", "ACC/S", "REF/S", "BYTES/S", "LAST ERROR"];
        var rows = new List<string[]> { header };
        foreach (BridgeStatus bridge in status.Bridges)
        {
            string[] counts =
            [
                bridge.Name,
                bridge.Listen,
                bridge.Mode,
                bridge.State,
                bridge.Active.ToString(CultureInfo.InvariantCulture),
                bridge.Total.ToString(CultureInfo.InvariantCulture),
                bridge.Refused.ToString(CultureInfo.InvariantCulture),
            ];
            if (rates is null)
            {
                rows.Add([.. counts, LastError(bridge)]);
                continue;
            }

            StatusRates? rate = rates.TryGetValue(bridge.Name, out StatusRates? found) ? found : null;
            rows.Add([.. counts, PerSecond(rate?.Accepted), PerSecond(rate?.Refused), StatusRates.FormatBytes(rate?.Bytes), LastError(bridge)]);
        }

        int[] widths = new int[header.Length];
        foreach (string[] row in rows)
        {
            for (int i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        foreach (string[] row in rows)
        {
            var line = new System.Text.StringBuilder();
            for (int i = 0; i < row.Length; i++)
            {
                bool numeric = i >= 4 && i < row.Length - 1;
                string cell = numeric ? row[i].PadLeft(widths[i]) : (i == row.Length - 1 ? row[i] : row[i].PadRight(widths[i]));
                line.Append(cell);
                if (i < row.Length - 1)
                {
                    line.Append("  ");
                }
            }

            output.WriteLine(line.ToString().TrimEnd());
        }

        if (status.Log is { Count: > 0 } sinks)
        {
            output.WriteLine("log: " + string.Join("; ", sinks.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Sink} {s.Written} written, {s.Dropped} dropped"))));
        }
    }

    private static string PerSecond(double? rate) => rate is { } value ? value.ToString("0.0", CultureInfo.InvariantCulture) : "-";

    private static string LastError(BridgeStatus bridge)
    {
        if (bridge.LastError is not { } message)
        {
            return "-";
        }

        string oneLine = message.ReplaceLineEndings(" ");
        if (oneLine.Length > MaxErrorLength)
        {
            oneLine = oneLine[..(MaxErrorLength - 1)] + "…";
        }

        return bridge.LastErrorTime is { } time
            ? $"{time.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} {oneLine}"
            : oneLine;
    }
}
