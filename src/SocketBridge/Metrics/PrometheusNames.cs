using System.Diagnostics.Metrics;
using System.Text;

namespace SocketBridge.Metrics;

/// <summary>
/// Prometheus's names for .NET instruments, as its naming rules and
/// OpenTelemetry's conversion give them: dots become underscores, the unit
/// becomes a suffix in base units (<c>s</c>: <c>_seconds</c>, <c>By</c>:
/// <c>_bytes</c>; an annotation such as <c>{connection}</c>: none), and a
/// counter ends in <c>_total</c>.
/// </summary>
internal static class PrometheusNames
{
    public static string Family(Instrument instrument)
    {
        var name = new StringBuilder(instrument.Name.Length + 16);
        foreach (char c in instrument.Name)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || c == '_' || c == ':' ? c : '_');
        }

        string suffix = instrument.Unit switch
        {
            "s" => "_seconds",
            "By" => "_bytes",
            _ => string.Empty,
        };
        if (suffix.Length > 0 && !name.ToString().EndsWith(suffix, StringComparison.Ordinal))
        {
            name.Append(suffix);
        }

        return name.ToString();
    }

    /// <summary>The family's TYPE: counter, gauge or histogram.</summary>
    public static string Type(Instrument instrument) => instrument switch
    {
        ObservableCounter<long> or ObservableCounter<double> or Counter<long> or Counter<double> => "counter",
        Histogram<double> or Histogram<long> => "histogram",
        _ => "gauge",
    };
}
