using System.Globalization;

namespace SocketBridge.Tests.Fixtures;

/// <summary>One line of a scrape in Prometheus's text format: a series (name and labels) and its value.</summary>
public sealed record MetricSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    /// <summary>The series' identity, labels in name order: <c>name{a="1",b="2"}</c>.</summary>
    public string Series { get; } = Name + "{" + string.Join(',', Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}=\"{l.Value}\"")) + "}";

    /// <summary>Whether every label of <paramref name="labels"/> has this value here (others may be there too).</summary>
    public bool Has(params (string Name, string Value)[] labels) =>
        labels.All(l => Labels.TryGetValue(l.Name, out string? value) && value == l.Value);

    public override string ToString() => $"{Series} {Value.ToString(CultureInfo.InvariantCulture)}";
}
