using System.Globalization;
using System.Text;

namespace SocketBridge.Tests.Fixtures;

/// <summary>
/// A scrape in Prometheus's text exposition format (version 0.0.4), parsed
/// as Prometheus reads it: the TYPE of each family, and each sample line's
/// name, labels (with their escapes) and value. A line that does not parse
/// fails the test, naming it.
/// </summary>
public sealed class MetricsScrape
{
    private MetricsScrape(string text, IReadOnlyList<MetricSample> samples, IReadOnlyDictionary<string, string> types)
    {
        Text = text;
        Samples = samples;
        Types = types;
    }

    public string Text { get; }

    public IReadOnlyList<MetricSample> Samples { get; }

    /// <summary>Family name to its TYPE (counter, gauge, histogram...).</summary>
    public IReadOnlyDictionary<string, string> Types { get; }

    public static MetricsScrape Parse(string text)
    {
        var samples = new List<MetricSample>();
        var series = new HashSet<string>(StringComparer.Ordinal);
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                string[] parts = line.Split(' ');
                Assert.True(parts.Length == 4, $"a TYPE line with {parts.Length} fields: {line}");
                Assert.True(types.TryAdd(parts[2], parts[3]), $"a second TYPE line for {parts[2]}");
                continue;
            }

            if (line.StartsWith('#'))
            {
                continue;
            }

            MetricSample sample = ParseSample(line);
            // Prometheus drops a whole scrape with a series twice in it ("duplicate sample for timestamp").
            Assert.True(series.Add(sample.Series), $"series {sample.Series} twice in one scrape");
            samples.Add(sample);
        }

        return new MetricsScrape(text, samples, types);
    }

    /// <summary>The samples of <paramref name="name"/> whose labels include <paramref name="labels"/>.</summary>
    public IEnumerable<MetricSample> Where(string name, params (string Name, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && s.Has(labels));

    /// <summary>The value of the one sample of <paramref name="name"/> with <paramref name="labels"/>; fails when there is none or several.</summary>
    public double Value(string name, params (string Name, string Value)[] labels)
    {
        MetricSample[] found = [.. Where(name, labels)];
        if (found.Length != 1)
        {
            string wanted = $"{name}{{{string.Join(',', labels.Select(l => $"{l.Name}=\"{l.Value}\""))}}}";
            Assert.Fail($"{found.Length} samples match {wanted}; the scrape has:\n{string.Join('\n', Samples.Where(s => s.Name == name))}");
        }

        return found[0].Value;
    }

    /// <summary>The value of the one sample of <paramref name="name"/> with <paramref name="labels"/>, or null when there is none.</summary>
    public double? Find(string name, params (string Name, string Value)[] labels)
    {
        MetricSample[] found = [.. Where(name, labels)];
        Assert.True(found.Length <= 1, $"{found.Length} samples of {name} match: {string.Join(", ", found.AsEnumerable())}");
        return found.Length == 0 ? null : found[0].Value;
    }

    /// <summary>A histogram series' buckets (upper bound to cumulative count, +Inf last), as its _bucket lines give them.</summary>
    public (double Le, double Count)[] Buckets(string family, params (string Name, string Value)[] labels) =>
        [.. Where(family + "_bucket", labels).Select(s => (ParseValue(s.Labels["le"]), s.Value)).OrderBy(b => b.Item1)];

    private static MetricSample ParseSample(string line)
    {
        int at = 0;
        while (at < line.Length && line[at] is not ('{' or ' '))
        {
            at++;
        }

        string name = line[..at];
        Assert.Matches("^[a-zA-Z_:][a-zA-Z0-9_:]*$", name);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (at < line.Length && line[at] == '{')
        {
            at++;
            while (line[at] != '}')
            {
                int equals = line.IndexOf('=', at);
                Assert.True(equals > at && line[equals + 1] == '"', $"a label without =\"...\": {line}");
                string label = line[at..equals];
                var value = new StringBuilder();
                int i = equals + 2;
                for (; line[i] != '"'; i++)
                {
                    if (line[i] == '\\')
                    {
                        i++;
                        value.Append(line[i] switch { 'n' => '\n', '\\' => '\\', '"' => '"', _ => throw new FormatException($"an unknown escape \\{line[i]}: {line}") });
                    }
                    else
                    {
                        value.Append(line[i]);
                    }
                }

                Assert.True(labels.TryAdd(label, value.ToString()), $"label {label} twice: {line}");
                at = i + 1;
                if (line[at] == ',')
                {
                    at++;
                }
            }

            at++;
        }

        string[] rest = line[at..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(rest.Length is 1 or 2, $"a sample line without a value: {line}");
        return new MetricSample(name, labels, ParseValue(rest[0]));
    }

    private static double ParseValue(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };
}
