using System.Net;
using SocketBridge.Endpoints;

namespace SocketBridge.Configuration;

/// <summary>
/// Everything loading the configuration looks up on the machine: host names
/// (DNS), programs (PATH), accounts, directories, the daemon's identity,
/// network interfaces and capabilities. The readers ask only this, so a test
/// can stand in for the machine; <see cref="ConfigurationEnvironment"/> asks the real one.
/// </summary>
internal interface IConfigurationResolver
{
    /// <summary>The daemon's environment variable <paramref name="name"/>, or null.</summary>
    string? GetVariable(string name);

    /// <summary>The addresses of <paramref name="host"/>; throws <see cref="System.Net.Sockets.SocketException"/> when it cannot be resolved.</summary>
    IPAddress[] ResolveHost(string host);

    bool SupportsIPv6 { get; }

    /// <summary>The program of an Exec: an absolute path as it is, or a name found in the daemon's PATH; false with a message otherwise.</summary>
    bool TryResolveProgram(string program, out string path, out string error);

    /// <summary>The user <paramref name="nameOrNumber"/> and its primary group, or null when there is no such user.</summary>
    (uint Uid, uint Gid)? FindUser(string nameOrNumber);

    /// <summary>The group <paramref name="nameOrNumber"/>, or null when there is no such group.</summary>
    uint? FindGroup(string nameOrNumber);

    /// <summary>The groups a program running as <paramref name="uid"/> gets: its primary group and those that list the user.</summary>
    uint[] SupplementaryGroups(uint uid, uint primaryGid);

    /// <summary>Whether <paramref name="path"/> is an existing directory.</summary>
    bool DirectoryExists(string path);

    /// <summary>Why the daemon would refuse to make a socket file in <paramref name="directory"/> (SPEC 8), or null when it would not.</summary>
    string? SocketDirectoryProblem(string directory, DirectoryTrust trust);

    uint EffectiveUid { get; }

    uint EffectiveGid { get; }

    /// <summary>Whether the daemon may give a file this group without being root (chown(2)).</summary>
    bool IsMemberOf(uint gid);

    /// <summary>Whether the daemon has <paramref name="capability"/> (capabilities(7)) in its effective set.</summary>
    bool HasCapability(int capability);

    /// <summary>The daemon's own hard limit of <paramref name="kind"/>: a program's cannot be above it without CAP_SYS_RESOURCE.</summary>
    ulong HardLimit(Native.ResourceKind kind);

    /// <summary>Whether the machine has the network interface <paramref name="name"/> (BindToDevice).</summary>
    bool InterfaceExists(string name);

    /// <summary>The machine's network interfaces, for messages.</summary>
    IEnumerable<string> InterfaceNames();
}
