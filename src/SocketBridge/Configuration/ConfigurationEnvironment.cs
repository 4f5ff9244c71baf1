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

    /// <summary>Whether the daemon may give a file this group without being root (chown(2)).</summary>
    public virtual bool IsMemberOf(uint gid) => gid == EffectiveGid || Posix.SupplementaryGroups().Contains(gid);
}
