using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SocketBridge.Access;

namespace SocketBridge.Import;

/// <summary>
/// One entry of an xinetd <c>only_from</c> or <c>no_access</c> list
/// (xinetd.conf(5)) as CIDR ranges for AllowFrom or DenyFrom (SPEC 3):
/// <c>192.0.2.7</c> (an IPv4 address whose rightmost components are 0 is a
/// network: <c>10.1.0.0</c> is <c>10.1.0.0/16</c>, <c>0.0.0.0</c> everyone),
/// <c>10.1.{2,3}</c> (one range per factor), <c>192.0.2.0/24</c> (host bits
/// ignored, as xinetd masks them), an IPv6 address or range, and
/// <c>localhost</c>. Host, domain (<c>.example.com</c>) and network names
/// cannot be: xinetd matched them by looking up each client's name, and a
/// bridge matches addresses.
/// </summary>
internal static class XinetdAddress
{
    /// <summary>The ranges of <paramref name="entry"/>; false with why not.</summary>
    public static bool TryTranslate(string entry, out IReadOnlyList<string> ranges, out string error)
    {
        ranges = [];
        error = string.Empty;
        if (entry == "localhost")
        {
            ranges = ["127.0.0.1/32", "::1/128"];
            return true;
        }

        if (entry.Contains('{', StringComparison.Ordinal))
        {
            return TryFactorized(entry, out ranges, out error);
        }

        if (entry.Contains('/', StringComparison.Ordinal))
        {
            return TryCidr(entry, out ranges, out error);
        }

        if (IPAddress.TryParse(entry, out IPAddress? address) && !entry.Contains('%', StringComparison.Ordinal))
        {
            if (address.AddressFamily == AddressFamily.InterNetworkV6)
            {
                ranges = [$"{address}/128"];
                return true;
            }

            // IPAddress.TryParse also reads "10" and "10.1" (inet_aton forms); xinetd needs four numbers.
            if (entry.Count(c => c == '.') == 3)
            {
                ranges = entry == "0.0.0.0" ? ["0.0.0.0/0", "::/0"] : [TrailingZerosAsNetwork(address)];
                return true;
            }
        }

        error = entry.StartsWith('.')
            ? $"{entry} is a domain: xinetd matched it against each client's host name; a bridge matches addresses, so list the domain's networks instead"
            : $"{entry} is a host or network name: xinetd matched it against each client's host name; a bridge matches addresses, so list its addresses instead";
        return false;
    }

    /// <summary>a.b.c.0 is a.b.c.0/24, a.b.0.0 is a.b.0.0/16, a.0.0.0 is a.0.0.0/8.</summary>
    private static string TrailingZerosAsNetwork(IPAddress address)
    {
        byte[] bytes = address.GetAddressBytes();
        int prefix = 32;
        for (int i = 3; i >= 0 && bytes[i] == 0; i--)
        {
            prefix -= 8;
        }

        return $"{address}/{prefix}";
    }

    /// <summary><c>a.b.c.{d,e}</c> or <c>a.b.{c,d}</c>: one range a factor, as wide as the components given.</summary>
    private static bool TryFactorized(string entry, out IReadOnlyList<string> ranges, out string error)
    {
        ranges = [];
        error = $"{entry} is not a factorized IPv4 address (as 192.0.{{2,3}} or 10.1.2.{{3,4}})";
        int open = entry.IndexOf('{', StringComparison.Ordinal);
        if (!entry.EndsWith('}') || open == 0 || entry[open - 1] != '.')
        {
            return false;
        }

        string[] fixedParts = entry[..(open - 1)].Split('.');
        string[] factors = entry[(open + 1)..^1].Split(',');
        if (fixedParts.Length > 3 || !fixedParts.All(IsByte) || !factors.All(f => IsByte(f.Trim())))
        {
            return false;
        }

        int given = fixedParts.Length + 1;
        var result = new List<string>();
        foreach (string factor in factors)
        {
            string[] parts = [.. fixedParts, factor.Trim(), .. Enumerable.Repeat("0", 4 - given)];
            string range = $"{IPAddress.Parse(string.Join('.', parts))}/{given * 8}";
            if (!result.Contains(range))
            {
                result.Add(range);
            }
        }

        ranges = result;
        error = string.Empty;
        return true;
    }

    private static bool TryCidr(string entry, out IReadOnlyList<string> ranges, out string error)
    {
        ranges = [];
        error = $"{entry} is not an address range (as 192.0.2.0/24 or 2001:db8::/32)";
        int slash = entry.IndexOf('/', StringComparison.Ordinal);
        if (!IPAddress.TryParse(entry[..slash], out IPAddress? address)
            || entry[..slash].Contains('%', StringComparison.Ordinal)
            || (address.AddressFamily == AddressFamily.InterNetwork && entry[..slash].Count(c => c == '.') != 3)
            || !int.TryParse(entry[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int prefix)
            || prefix > (address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128))
        {
            return false;
        }

        // xinetd masks the host bits away; so does the translation.
        byte[] bytes = address.GetAddressBytes();
        for (int bit = prefix; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        string range = $"{new IPAddress(bytes)}/{prefix}";
        if (!CidrRange.TryParse(range, out _, out error))
        {
            return false;
        }

        ranges = [range];
        return true;
    }

    private static bool IsByte(string text) =>
        text.Length is > 0 and <= 3 && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value <= 255;
}
