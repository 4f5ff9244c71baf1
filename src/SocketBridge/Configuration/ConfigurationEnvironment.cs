using System.Net;
using System.Net.Sockets;
using SocketBridge.Native;

namespace SocketBridge.Configuration;

/// <summary>What loading the configuration reads from the machine: variables, names, who the daemon runs as.</summary>
public class ConfigurationEnvironment
{
    public virtual string? GetVariable(string name) => System.Environment.GetEnvironmentVariable(name);

    public virtual IPAddress[] ResolveHost(string host) => Dns.GetHostAddresses(host);

    public virtual bool SupportsIPv6 => Socket.OSSupportsIPv6;

    public virtual uint EffectiveUid => Posix.EffectiveUid;

    public virtual uint EffectiveGid => Posix.EffectiveGid;

    /// <summary>Whether the machine has the network interface <paramref name="name"/> (BindToDevice).</summary>
    public virtual bool InterfaceExists(string name) => SocketOptionCalls.InterfaceExists(name);

    /// <summary>The machine's network interfaces, for messages.</summary>
    public virtual IEnumerable<string> InterfaceNames()
    {
        try
        {
            return Directory.EnumerateFileSystemEntries("/sys/class/net").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray();
        }
        catch (IOException)
        {
            return [];
        }
    }

    /// <summary>Whether the daemon has <paramref name="capability"/> (capabilities(7)) in its effective set.</summary>
    public virtual bool HasCapability(int capability)
    {
        try
        {
            string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("CapEff:", StringComparison.Ordinal));
            return line is not null
                && ulong.TryParse(line.AsSpan(7).Trim(), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out ulong effective)
                && (effective & (1UL << capability)) != 0;
        }
        catch (IOException)
        {
            return EffectiveUid == 0;
        }
    }

    /// <summary>Whether the daemon may give a file this group without being root (chown(2)).</summary>
    public virtual bool IsMemberOf(uint gid) => gid == EffectiveGid || Posix.SupplementaryGroups().Contains(gid);
}
