using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using SocketBridge.Access;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;

namespace SocketBridge.Tests.Properties;

/// <summary>Any input gives a value or a clear error, never an exception escaping (issue 7, item 4).</summary>
[Trait("Category", "Unit")]
public sealed class ParserPropertyTests
{
    [Property(MaxTest = 2000)]
    public bool The_endpoint_parser_never_throws_and_round_trips_what_it_accepts(string? text)
    {
        if (EndpointParser.TryParse(text, out Endpoint? endpoint, out string error))
        {
            return EndpointParser.TryParse(endpoint!.ToString(), out Endpoint? again, out _) && again == endpoint;
        }

        return error.Length > 0;
    }

    [Property(MaxTest = 2000)]
    public bool Endpoint_like_strings_never_throw(NonNegativeInt port, string? host, bool brackets)
    {
        string h = host ?? string.Empty;
        string text = brackets ? $"tcp:[{h}]:{port.Get}" : $"tcp:{h}:{port.Get}";
        return EndpointParser.TryParse(text, out _, out string error) || error.Length > 0;
    }

    [Property(MaxTest = 2000)]
    public bool Udp_and_typed_unix_endpoint_like_strings_never_throw_and_round_trip(NonNegativeInt port, string? rest, byte form)
    {
        string r = rest ?? string.Empty;
        string text = (form % 5) switch
        {
            0 => $"udp:{r}:{port.Get}",
            1 => $"udp:[{r}]:{port.Get}",
            2 => $"unix-dgram:{r}",
            3 => $"unix-seqpacket:/{r}",
            _ => $"unix-seqpacket:@{r}",
        };
        if (EndpointParser.TryParse(text, out Endpoint? endpoint, out string error))
        {
            return EndpointParser.TryParse(endpoint!.ToString(), out Endpoint? again, out _) && again == endpoint;
        }

        return error.Length > 0;
    }

    [Property(MaxTest = 2000)]
    public bool The_duration_parser_never_throws(string? text) =>
        DurationParser.TryParse(text, out TimeSpan value, out string error) ? value >= TimeSpan.Zero : error.Length > 0;

    [Property(MaxTest = 2000)]
    public bool Durations_with_units_never_throw(NonNegativeInt amount, string unit) =>
        DurationParser.TryParse($"{amount.Get}{unit}", out _, out string error) || error.Length > 0;

    [Property(MaxTest = 2000)]
    public bool The_octal_mode_parser_never_throws(string? text) =>
        OctalModeParser.TryParse(text, out uint mode, out string error) ? mode <= 0xFFF : error.Length > 0;

    [Property(MaxTest = 2000)]
    public bool The_rate_parser_never_throws(string text, int count) =>
        RateLimit.TryParse(text ?? string.Empty, out _, out string e1) | e1.Length > 0
        && (RateLimit.TryParse($"{count}/{text}", out RateLimit r, out string e2) ? r.Count >= 1 : e2.Length > 0);

    [Property(MaxTest = 2000)]
    public bool The_cidr_parser_never_throws(string text, byte prefix) =>
        (CidrRange.TryParse(text ?? string.Empty, out _, out string e1) || e1.Length > 0)
        && (CidrRange.TryParse($"10.0.0.0/{prefix}", out _, out string e2) || e2.Length > 0)
        && (CidrRange.TryParse($"2001:db8::/{prefix}", out _, out string e3) || e3.Length > 0);

    [Property(MaxTest = 500)]
    public bool The_configuration_loader_reports_errors_and_never_throws_anything_else(string json)
    {
        try
        {
            new ConfigurationLoader().LoadText("fuzz.json", json ?? string.Empty);
            return true;
        }
        catch (ConfigurationException ex)
        {
            return ex.Errors.Count > 0 && ex.Errors.All(e => e.File == "fuzz.json" && e.Message.Length > 0);
        }
    }

    [Property(MaxTest = 500)]
    public bool Configurations_with_arbitrary_bridge_values_never_throw(string key, string value, int number)
    {
        string json = $$"""
            { "Bridges": { "b": { "Listen": {{System.Text.Json.JsonSerializer.Serialize(value, SerializerContext.Default.String)}},
              {{System.Text.Json.JsonSerializer.Serialize(key ?? "k", SerializerContext.Default.String)}}: {{number}},
              "User": "root", "Exec": [{{System.Text.Json.JsonSerializer.Serialize(value, SerializerContext.Default.String)}}] } } }
            """;
        try
        {
            new ConfigurationLoader().LoadText("fuzz.json", json);
            return true;
        }
        catch (ConfigurationException ex)
        {
            return ex.Errors.All(e => e.ToString().StartsWith("fuzz.json: ", StringComparison.Ordinal));
        }
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class SerializerContext : System.Text.Json.Serialization.JsonSerializerContext;
