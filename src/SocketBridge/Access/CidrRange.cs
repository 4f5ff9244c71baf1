using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SocketBridge.Access;

/// <summary>
/// An address range as CIDR (<c>10.0.0.0/8</c>, <c>2001:db8::/32</c>) or a
/// single address. IPv4-mapped IPv6 ranges and clients are compared as the
/// IPv4 addresses they are, so a rule for 127.0.0.0/8 matches an IPv4
/// client of a dual-stack <c>tcp:*</c> bridge.
/// </summary>
internal readonly record struct CidrRange(IPAddress Network, int PrefixLength)
{
    public static bool TryParse(string text, out CidrRange range, out string error)
    {
        range = default;
        error = string.Empty;
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        string address = slash < 0 ? text : text[..slash];
        if (!IPAddress.TryParse(address, out IPAddress? ip) || address.Contains('%', StringComparison.Ordinal))
        {
            error = $"\"{text}\" is not an address or CIDR range (as \"192.0.2.0/24\" or \"2001:db8::/32\")";
            return false;
        }

        int bits = ip.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        int prefix = bits;
        if (slash >= 0 && (!int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > bits))
        {
            error = $"\"{text}\" has an invalid prefix length (0 to {bits})";
            return false;
        }

        if (ip.IsIPv4MappedToIPv6 && prefix >= 96)
        {
            ip = ip.MapToIPv4();
            prefix -= 96;
        }

        byte[] bytes = ip.GetAddressBytes();
        if (!HostBitsAreZero(bytes, prefix))
        {
            error = $"\"{text}\" has host bits set (did you mean {new IPAddress(Mask(bytes, prefix))}/{prefix}?)";
            return false;
        }

        range = new CidrRange(ip, prefix);
        return true;
    }

    /// <summary>Whether <paramref name="client"/> (unmapped when IPv4-mapped) is in the range.</summary>
    public bool Contains(IPAddress client)
    {
        if (client.IsIPv4MappedToIPv6)
        {
            client = client.MapToIPv4();
        }

        if (client.AddressFamily != Network.AddressFamily)
        {
            return false;
        }

        byte[] a = client.GetAddressBytes(), n = Network.GetAddressBytes();
        int full = PrefixLength / 8, rest = PrefixLength % 8;
        for (int i = 0; i < full; i++)
        {
            if (a[i] != n[i])
            {
                return false;
            }
        }

        return rest == 0 || (a[full] >> (8 - rest)) == (n[full] >> (8 - rest));
    }

    public override string ToString() => $"{Network}/{PrefixLength}";

    private static bool HostBitsAreZero(byte[] bytes, int prefix)
    {
        byte[] masked = Mask(bytes, prefix);
        return masked.AsSpan().SequenceEqual(bytes);
    }

    private static byte[] Mask(byte[] bytes, int prefix)
    {
        byte[] masked = (byte[])bytes.Clone();
        for (int i = 0; i < masked.Length; i++)
        {
            int keep = Math.Clamp(prefix - (i * 8), 0, 8);
            masked[i] &= (byte)(0xFF << (8 - keep));
        }

        return masked;
    }
}
