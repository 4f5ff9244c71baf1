using System.Globalization;
using System.Text.Json;
using SocketBridge.Native;

namespace SocketBridge.Handover;

/// <summary>
/// How the state crosses execve(2): a sealed memfd whose descriptor is in
/// SOCKETBRIDGE_HANDOVER, holding <see cref="HandoverState"/> as JSON. The
/// listening sockets are also named in SOCKETBRIDGE_LISTEN_FDS and
/// SOCKETBRIDGE_LISTEN_FDNAMES (as sd_listen_fds(3) names them), outside the
/// versioned state, so an image that cannot read the state still keeps them.
/// </summary>
internal static class HandoverFormat
{
    /// <summary>The layout this build writes and reads.</summary>
    public const int Version = 1;

    public const string StateVariable = "SOCKETBRIDGE_HANDOVER";

    public const string ListenFdsVariable = "SOCKETBRIDGE_LISTEN_FDS";

    public const string ListenNamesVariable = "SOCKETBRIDGE_LISTEN_FDNAMES";

    /// <summary>The bridge that had each socket, ':'-separated as the names (empty: the control socket, or one systemd passed).</summary>
    public const string ListenBridgesVariable = "SOCKETBRIDGE_LISTEN_FDBRIDGES";

    /// <summary>Set for the check run of a new program: it then says which handover version it reads.</summary>
    public const string CheckVariable = "SOCKETBRIDGE_HANDOVER_CHECK";

    /// <summary>The line `check` prints under <see cref="CheckVariable"/>.</summary>
    public const string CheckLinePrefix = "handover-version: ";

    /// <summary>The memfd's name, as /proc/PID/fd shows it ("memfd:socketbridge-handover").</summary>
    public const string MemfdName = "socketbridge-handover";

    /// <summary>More than any real state (a few hundred bytes per connection); a bound on what is read.</summary>
    public const int MaxLength = 256 * 1024 * 1024;

    public static byte[] Serialize(HandoverState state) =>
        JsonSerializer.SerializeToUtf8Bytes(state, HandoverJsonContext.Default.HandoverState);

    /// <summary>How an error names the file: "memfd:socketbridge-handover (fd 12)".</summary>
    public static string Describe(int fd) => string.Create(CultureInfo.InvariantCulture, $"memfd:{MemfdName} (fd {fd})");

    /// <summary>
    /// The state in <paramref name="content"/>, read from <paramref name="subject"/>;
    /// <see cref="HandoverException"/> naming the file and the field when it
    /// is of another version or not a state at all.
    /// </summary>
    public static HandoverState Parse(ReadOnlySpan<byte> content, string subject)
    {
        int version;
        try
        {
            using JsonDocument document = JsonDocument.Parse(content.ToArray());
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty(nameof(HandoverState.Version), out JsonElement field))
            {
                throw new HandoverException($"{subject}: field \"{nameof(HandoverState.Version)}\" is missing: not a handover state");
            }

            if (field.ValueKind != JsonValueKind.Number || !field.TryGetInt32(out version))
            {
                throw new HandoverException($"{subject}: field \"{nameof(HandoverState.Version)}\" is {field.GetRawText()}, not a version number");
            }
        }
        catch (JsonException ex)
        {
            throw new HandoverException($"{subject}: not JSON ({ex.Message})", ex);
        }

        if (version != Version)
        {
            throw new HandoverException(string.Create(CultureInfo.InvariantCulture,
                $"{subject}: field \"{nameof(HandoverState.Version)}\" is {version}, and this socketbridge reads version {Version} only"));
        }

        try
        {
            return JsonSerializer.Deserialize(content, HandoverJsonContext.Default.HandoverState)
                ?? throw new HandoverException($"{subject}: the state is null");
        }
        catch (JsonException ex)
        {
            throw new HandoverException($"{subject}: field \"{ex.Path}\": {ex.Message}", ex);
        }
    }

    /// <summary>The state in the sealed memfd at <paramref name="fd"/>.</summary>
    public static HandoverState Read(int fd)
    {
        string subject = Describe(fd);
        byte[] content;
        try
        {
            content = SealedMemory.Read(fd, subject, MaxLength);
        }
        catch (Exception ex) when (ex is NativeCallException or InvalidDataException)
        {
            throw new HandoverException(ex.Message, ex);
        }

        return Parse(content, subject);
    }
}
