using System.Net;
using System.Net.Sockets;
using SocketBridge.Native;

namespace SocketBridge.Configuration;

/// <summary>
/// The machine as loading the configuration sees it: the real
/// <see cref="IConfigurationResolver"/> (tests override a member or two).
/// </summary>
internal class ConfigurationEnvironment : IConfigurationResolver
{
    public virtual string? GetVariable(string name) => System.Environment.GetEnvironmentVariable(name);

    public virtual IPAddress[] ResolveHost(string host) => Dns.GetHostAddresses(host);

    public virtual bool SupportsIPv6 => Socket.OSSupportsIPv6;

    public virtual bool TryResolveProgram(string program, out string path, out string error) =>
        ExecResolver.TryResolve(program, GetVariable("PATH"), out path, out error);

    public virtual (uint Uid, uint Gid)? FindUser(string nameOrNumber) => Accounts.FindUser(nameOrNumber);

    public virtual uint? FindGroup(string nameOrNumber) => Accounts.FindGroup(nameOrNumber);

    public virtual uint[] SupplementaryGroups(uint uid, uint primaryGid) => Accounts.SupplementaryGroups(uid, primaryGid);

    public virtual bool DirectoryExists(string path) => Directory.Exists(path);

    public virtual string? SocketDirectoryProblem(string directory, Endpoints.DirectoryTrust trust) => Endpoints.SocketDirectory.Problem(directory, trust);

    public virtual uint EffectiveUid => Posix.EffectiveUid;

    public virtual uint EffectiveGid => Posix.EffectiveGid;

    public virtual bool InterfaceExists(string name) => SocketOptionCalls.InterfaceExists(name);

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

    public virtual ulong HardLimit(ResourceKind kind) => Posix.HardLimit(kind);

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

    public virtual bool IsMemberOf(uint gid) => gid == EffectiveGid || Posix.SupplementaryGroups().Contains(gid);
}
