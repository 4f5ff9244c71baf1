using System.Net.Sockets;
using SocketBridge.Endpoints;

namespace SocketBridge.Configuration;

/// <summary>What a valid bridge's access rules leave open that is worth saying: warnings, not errors.</summary>
internal static class AccessWarnings
{
    /// <summary>
    /// An abstract socket has no file, so no permissions: every process in
    /// the network namespace may connect unless AllowUsers or AllowGroups
    /// says otherwise. Valid, but worth saying (finding 9 of the audit).
    /// </summary>
    public static void OpenToEveryUser(ConfigNode bridge, ErrorCollector errors, BridgeOptions options)
    {
        if (options.Access.AllowUsers.Count > 0 || options.Access.AllowGroups.Count > 0)
        {
            return;
        }

        ConfigNode node = bridge["Listen"]!;
        IReadOnlyList<ListenEndpoint> endpoints = options.Listen.Endpoints;
        for (int i = 0; i < endpoints.Count; i++)
        {
            if (endpoints[i].Endpoint is not UnixEndpoint { IsAbstract: true } listen)
            {
                continue;
            }

            const string Open = "is an abstract socket, which every local user may connect to (it has no file permissions)";
            errors.Warn(node.File, ListenKeys.Key(node, i), listen.Type == SocketType.Dgram
                ? $"{listen} is an abstract socket, which every local user may send datagrams to (it has no file permissions): check the sender's credentials (SO_PASSCRED, SCM_CREDENTIALS) in the program, or listen on a unix-dgram:/path socket with SocketMode"
                : options.Mode == BridgeMode.Handoff
                ? $"{listen} {Open}, and in handoff mode the program accepts, not socketbridge: check the peer's credentials (SO_PEERCRED) in the program, or listen on a {listen.Scheme}:/path socket with SocketMode"
                : $"{listen} {Open}; restrict it with AllowUsers or AllowGroups");
        }
    }

    /// <summary>
    /// AllowUsers and AllowGroups judge Unix-socket clients only: on a bridge
    /// that also listens on TCP with no address list, TCP clients get in
    /// whoever they are. Valid, and perhaps meant, but worth saying, since
    /// adding a tcp: endpoint to a restricted bridge is an easy way to open it.
    /// </summary>
    public static void TcpUnrestricted(ConfigNode bridge, ErrorCollector errors, BridgeOptions options)
    {
        if ((options.Access.AllowUsers.Count == 0 && options.Access.AllowGroups.Count == 0)
            || options.Access.AllowFrom.Count > 0 || options.Access.DenyFrom.Count > 0
            || options.Listen.Endpoints.FirstOrDefault(e => e.IsTcp) is not { } tcp)
        {
            return;
        }

        ConfigNode key = bridge["AllowUsers"] ?? bridge["AllowGroups"]!;
        errors.Warn(key, $"judges Unix-socket clients only: every TCP client of {tcp} is let in (restrict them with AllowFrom or DenyFrom)");
    }
}
