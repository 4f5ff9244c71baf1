using SocketBridge.Configuration;

namespace SocketBridge.Import;

/// <summary>
/// A umask as xinetd and Upstart read it (octal digits, at most 0777: strtol
/// or strtoul in base 8), written as the UMask key takes it: <c>"022"</c>
/// becomes <c>"0022"</c>.
/// </summary>
internal static class ImportedUMask
{
    public const string Forms = "takes an octal umask from 0 to 0777";

    public static bool TryFormat(string? text, out string umask)
    {
        umask = string.Empty;
        if (text is not { Length: > 0 } || text.Any(c => c is < '0' or > '7') || text.TrimStart('0').Length > 3)
        {
            return false;
        }

        uint mask = text.Aggregate(0u, (m, c) => (m * 8) + (uint)(c - '0'));
        if (mask > 0x1FF)
        {
            return false;
        }

        umask = OctalModeParser.Format(mask);
        return true;
    }
}
