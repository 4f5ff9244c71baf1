using System.Reflection;
using System.Text.RegularExpressions;
using SocketBridge.Logging;
using SocketBridge.Tests.Architecture;

namespace SocketBridge.Tests.Logging;

/// <summary>
/// Every log entry has a stable EventId from one registry (STYLE 16, issue
/// 16): operators filter and alert on the numbers, so two entries never
/// share one and none is written as a bare number beside the registry.
/// </summary>
[Trait("Category", "Unit")]
public sealed partial class LogEventIdsTests
{
    [Fact]
    public void No_two_entries_share_a_number()
    {
        IEnumerable<IGrouping<int, string>> shared = Registry()
            .GroupBy(id => id.Value, id => id.Name)
            .Where(g => g.Count() > 1);

        Assert.Empty(shared.Select(g => $"{g.Key}: {string.Join(", ", g)}"));
    }

    [Fact]
    public void Every_log_message_of_the_daemon_takes_its_EventId_from_the_registry_and_each_is_used_once()
    {
        IReadOnlyDictionary<string, string> sources = FolderDependencies.ReadSources(FolderDependencies.SourceRoot);
        var problems = new List<string>();
        var used = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string file, string text) in sources)
        {
            foreach (Match attribute in LoggerMessage().Matches(text))
            {
                Match id = RegistryId().Match(attribute.Value);
                if (!id.Success)
                {
                    problems.Add($"{file}: {attribute.Value}: no EventId = LogEventIds.Name");
                }
                else if (!used.TryAdd(id.Groups[1].Value, file))
                {
                    problems.Add($"{file}: LogEventIds.{id.Groups[1].Value} is used by {used[id.Groups[1].Value]} too");
                }
            }
        }

        Assert.Empty(problems);
        Assert.True(used.Count > 50, $"found only {used.Count} log messages: is the scan looking at src/SocketBridge?");
        string[] unknown = [.. used.Keys.Except(Registry().Select(r => r.Name))];
        Assert.Empty(unknown);
    }

    private static IEnumerable<(string Name, int Value)> Registry() =>
        typeof(LogEventIds).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(int))
            .Select(f => (f.Name, (int)f.GetRawConstantValue()!));

    [GeneratedRegex(@"\[LoggerMessage\([^\n]*\)\]")]
    private static partial Regex LoggerMessage();

    [GeneratedRegex(@"EventId = LogEventIds\.(\w+)")]
    private static partial Regex RegistryId();
}
