using SocketBridge.Endpoints;

namespace SocketBridge.Access;

/// <summary>
/// Who may use a bridge (SPEC 3: AllowFrom, DenyFrom, AllowUsers,
/// AllowGroups), decided before anything is launched or connected. For TCP,
/// a DenyFrom match refuses whatever AllowFrom says; a non-empty AllowFrom
/// refuses every client it does not match. For Unix sockets, when AllowUsers
/// or AllowGroups is given, the client's uid or its primary gid
/// (SO_PEERCRED) must be listed. A client whose address or credentials
/// cannot be read is refused wherever a list applies (fail closed).
/// </summary>
internal sealed record AccessPolicy(
    IReadOnlyList<CidrRange> AllowFrom,
    IReadOnlyList<CidrRange> DenyFrom,
    IReadOnlySet<uint> AllowUsers,
    IReadOnlySet<uint> AllowGroups)
{
    public static AccessPolicy Everyone { get; } = new([], [], new HashSet<uint>(), new HashSet<uint>());

    public bool IsOpen => AllowFrom.Count == 0 && DenyFrom.Count == 0 && AllowUsers.Count == 0 && AllowGroups.Count == 0;

    /// <summary>Null when <paramref name="peer"/> may connect, else why not.</summary>
    public string? Refusal(PeerInfo peer)
    {
        if (peer.Remote is { } remote)
        {
            foreach (CidrRange deny in DenyFrom)
            {
                if (deny.Contains(remote.Address))
                {
                    return $"denied by DenyFrom {deny}";
                }
            }

            if (AllowFrom.Count > 0)
            {
                foreach (CidrRange allow in AllowFrom)
                {
                    if (allow.Contains(remote.Address))
                    {
                        return null;
                    }
                }

                return "not in AllowFrom";
            }

            return null;
        }

        if (!peer.IsUnix)
        {
            // A TCP client whose address could not be read (it left at once): never let it through an address list.
            return AllowFrom.Count > 0 || DenyFrom.Count > 0 ? "the client's address is unknown" : null;
        }

        if (AllowUsers.Count == 0 && AllowGroups.Count == 0)
        {
            return null;
        }

        if (peer.Credentials is not { } credentials)
        {
            return "the client's credentials are unknown";
        }

        return AllowUsers.Contains(credentials.Uid) || AllowGroups.Contains(credentials.Gid)
            ? null
            : "uid and gid not in AllowUsers or AllowGroups";
    }
}
