using System.Collections.Frozen;

namespace SocketBridge.Import;

/// <summary>
/// The attributes of one xinetd service as xinetd applies them: those of
/// <c>defaults</c> first, then the service's own lines in order; <c>=</c>
/// replaces a value, <c>+=</c> adds to a list and <c>-=</c> removes from it.
/// </summary>
internal sealed class XinetdAttributes
{
    /// <summary>The attributes that are lists, which <c>+=</c> and <c>-=</c> change.</summary>
    public static readonly FrozenSet<string> Lists = new[]
    {
        "only_from", "no_access", "log_on_success", "log_on_failure", "passenv", "env", "flags", "type",
        "access_times", "enabled", "disabled",
    }.ToFrozenSet(StringComparer.Ordinal);

    private readonly Dictionary<string, XinetdValue> _values = new(StringComparer.Ordinal);

    public static readonly XinetdAttributes Empty = new();

    /// <summary>The attributes set, in the order first set.</summary>
    public IEnumerable<XinetdValue> All => _values.Values;

    public XinetdValue? this[string name] => _values.GetValueOrDefault(name);

    /// <summary><paramref name="section"/>'s attributes over <paramref name="defaults"/>'; a repeated <c>=</c>, or <c>+=</c> on a single value, is noted.</summary>
    public static XinetdAttributes Resolve(XinetdAttributes defaults, XinetdSection section, ICollection<ImportNote> notes)
    {
        var result = new XinetdAttributes();
        foreach ((string name, XinetdValue value) in defaults._values)
        {
            result._values[name] = value with { FromDefaults = true };
        }

        var setHere = new Dictionary<string, XinetdAttribute>(StringComparer.Ordinal);
        foreach (XinetdAttribute attribute in section.Attributes)
        {
            string op = attribute.Operator;
            if (op != "=" && !Lists.Contains(attribute.Name))
            {
                notes.Add(new ImportNote(attribute.File, attribute.Line, attribute.Name, $"takes one value: {op} read as ="));
                op = "=";
            }

            if (op == "=" && setHere.TryGetValue(attribute.Name, out XinetdAttribute? earlier))
            {
                notes.Add(ImportNote.NotTranslated(earlier.File, earlier.Line, earlier.Name, $"replaced by the {attribute.Name} at line {attribute.Line}"));
            }

            if (op == "=")
            {
                setHere[attribute.Name] = attribute;
            }

            List<string> values = result._values.TryGetValue(attribute.Name, out XinetdValue? current) && op != "="
                ? [.. current.Values]
                : [];
            foreach (string value in attribute.Values)
            {
                if (op == "-=")
                {
                    values.Remove(value);
                }
                else if (op == "=" || !values.Contains(value))
                {
                    values.Add(value);
                }
            }

            result._values[attribute.Name] = new XinetdValue(attribute.Name, values, attribute, FromDefaults: false);
        }

        return result;
    }
}
