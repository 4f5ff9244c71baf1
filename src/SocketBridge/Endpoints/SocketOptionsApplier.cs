using System.Globalization;
using System.Net.Sockets;
using SocketBridge.Native;

namespace SocketBridge.Endpoints;

/// <summary>
/// Sets a bridge's socket options on one listening socket, through
/// <see cref="SocketOptionCalls"/>, taking from <see cref="SocketOptions"/>
/// only what means something for the socket's family and type
/// (<see cref="SocketOptionScope"/>): on a socket the daemon makes, before
/// bind(2), as systemd does; on one the service manager passed, those that
/// can be set on a bound socket; on one a reload keeps, the changes. What
/// is set on a listening TCP socket is inherited by each connection the
/// kernel queues on it (socket(7), tcp(7)). A failure is a
/// <see cref="SocketOptionException"/> naming the key and the kernel's option.
/// </summary>
internal static class SocketOptionsApplier
{
    /// <summary>
    /// On a socket the daemon made, before bind(2): SO_REUSEADDR on TCP (a
    /// restart binds over connections in TIME_WAIT; never SO_REUSEPORT
    /// unless asked for, so a second listener on the port still fails),
    /// IPV6_V6ONLY on IPv6 as <paramref name="dualStack"/> says, then every
    /// option of <paramref name="options"/> that applies. Returns notes for
    /// the log (a size the kernel capped).
    /// </summary>
    public static IReadOnlyList<string> BeforeBind(Socket socket, SocketOptions options, bool dualStack)
    {
        SocketShape shape = SocketShape.Of(socket);
        SocketOptions mine = options.ForSocket(shape);
        if (shape.IsTcp)
        {
            // Not on UDP, where SO_REUSEADDR lets a second socket bind the port.
            Set(socket, "Listen", SocketOption.ReuseAddress, 1);
        }

        if (shape.IsIPv6)
        {
            Set(socket, "BindIPv6Only", SocketOption.V6Only, dualStack ? 0 : 1);
        }

        if (mine.ReusePort)
        {
            Set(socket, "ReusePort", SocketOption.ReusePort, 1);
        }

        if (mine.FreeBind)
        {
            Set(socket, "FreeBind", SocketOption.FreeBind, 1);
        }

        if (mine.BindToDevice is { } device)
        {
            try
            {
                SocketOptionCalls.BindToDevice(socket, device);
            }
            catch (NativeCallException ex)
            {
                throw new SocketOptionException("BindToDevice", ex.Message + ex.Errno switch
                {
                    Errno.ENODEV => $" (there is no interface {device} now)",
                    Errno.EPERM => " (before Linux 5.7 it needs CAP_NET_RAW: run socketbridge as root)",
                    _ => string.Empty,
                }, ex);
            }
        }

        var notes = new List<string>();
        ApplyChanges(socket, null, mine, notes);
        return notes;
    }

    /// <summary>
    /// On a socket the service manager passed (by name, or adopted for a
    /// <c>tcp:</c> or <c>unix:</c> endpoint with its address): the options
    /// that can be set on a bound socket. Those bound with the socket are
    /// the service manager's to set (in the .socket unit); each one
    /// configured is named in a note.
    /// </summary>
    public static IReadOnlyList<string> ToPassed(Socket socket, SocketOptions options)
    {
        SocketShape shape = SocketShape.Of(socket);
        SocketOptions mine = options.ForSocket(shape);
        var notes = new List<string>();
        string[] bound = [.. mine.SetKeys().Where(SocketOptionScope.IsBindTime)];
        if (bound.Length > 0)
        {
            notes.Add($"{string.Join(", ", bound)} not applied: the service manager bound this socket, so they are its .socket unit's to set ({string.Join(", ", bound.Select(k => k + "="))})");
        }

        ApplyChanges(socket, null, mine.WithoutBindTime(), notes);
        return notes;
    }

    /// <summary>
    /// On a socket a reload keeps: the options that can be set on a bound
    /// socket and changed from <paramref name="before"/> to <paramref name="after"/>,
    /// those no longer set going back to the kernel's defaults (a buffer
    /// size excepted: see the note). Those bound with the socket are equal,
    /// or the reload would have made a new one.
    /// </summary>
    public static IReadOnlyList<string> Reapply(Socket socket, SocketOptions before, SocketOptions after)
    {
        SocketShape shape = SocketShape.Of(socket);
        var notes = new List<string>();
        ApplyChanges(socket, before.ForSocket(shape).WithoutBindTime(), after.ForSocket(shape).WithoutBindTime(), notes);
        return notes;
    }

    /// <summary>Sets what differs from <paramref name="before"/> (null: a new socket, so only what <paramref name="after"/> sets).</summary>
    private static void ApplyChanges(Socket socket, SocketOptions? before, SocketOptions after, List<string> notes)
    {
        SocketOptions old = before ?? SocketOptions.None;
        bool fresh = before is null;
        if (after.DeferAcceptSeconds != old.DeferAcceptSeconds)
        {
            Set(socket, "DeferAccept", SocketOption.DeferAccept, after.DeferAcceptSeconds ?? 0);
        }

        SetBuffer(socket, "ReceiveBuffer", SocketOption.ReceiveBuffer, "net.core.rmem_max", old.ReceiveBuffer, after.ReceiveBuffer, notes);
        SetBuffer(socket, "SendBuffer", SocketOption.SendBuffer, "net.core.wmem_max", old.SendBuffer, after.SendBuffer, notes);
        if (after.Mark != old.Mark)
        {
            Set(socket, "Mark", SocketOption.Mark, unchecked((int)(after.Mark ?? 0)));
        }

        if (after.KeepAlive != old.KeepAlive)
        {
            Set(socket, "KeepAlive", SocketOption.KeepAlive, after.KeepAlive ? 1 : 0);
        }

        // The kernel has no "back to the sysctl" for these: a kept socket gets the sysctl's value of now.
        if (after.KeepAliveTimeSeconds != old.KeepAliveTimeSeconds && (after.KeepAliveTimeSeconds is not null || !fresh))
        {
            Set(socket, "KeepAliveTime", SocketOption.KeepAliveTime, after.KeepAliveTimeSeconds ?? Sysctl("net/ipv4/tcp_keepalive_time", 7200));
        }

        if (after.KeepAliveIntervalSeconds != old.KeepAliveIntervalSeconds && (after.KeepAliveIntervalSeconds is not null || !fresh))
        {
            Set(socket, "KeepAliveInterval", SocketOption.KeepAliveInterval, after.KeepAliveIntervalSeconds ?? Sysctl("net/ipv4/tcp_keepalive_intvl", 75));
        }

        if (after.KeepAliveProbes != old.KeepAliveProbes && (after.KeepAliveProbes is not null || !fresh))
        {
            Set(socket, "KeepAliveProbes", SocketOption.KeepAliveProbes, after.KeepAliveProbes ?? Sysctl("net/ipv4/tcp_keepalive_probes", 9));
        }

        if (after.PassCredentials != old.PassCredentials)
        {
            Set(socket, "PassCredentials", SocketOption.PassCredentials, after.PassCredentials ? 1 : 0);
        }
    }

    /// <summary>
    /// A buffer size: the kernel doubles what it is given (for its own
    /// bookkeeping) and, without CAP_NET_ADMIN, caps it at the sysctl
    /// <paramref name="limit"/>; a cap is noted. A size no longer set stays
    /// as it was: once set, the kernel no longer sizes the socket itself,
    /// and cannot be told to again.
    /// </summary>
    private static void SetBuffer(Socket socket, string key, SocketOption option, string limit, int? before, int? after, List<string> notes)
    {
        if (after == before)
        {
            return;
        }

        if (after is not { } size)
        {
            notes.Add($"{key} is no longer set, but this socket keeps its size of {before} until it is made anew (a restart): the kernel cannot size a socket itself again once it was given a size");
            return;
        }

        Set(socket, key, option, size);
        int granted = Get(socket, key, option);
        if (granted / 2 < size)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"{key} {size} was capped by the kernel at {granted / 2} ({limit}; raise it, or run socketbridge with CAP_NET_ADMIN)"));
        }
    }

    private static void Set(Socket socket, string key, SocketOption option, int value)
    {
        try
        {
            SocketOptionCalls.Set(socket, option, value);
        }
        catch (NativeCallException ex)
        {
            string hint = ex.Errno == Errno.EPERM && option == SocketOption.Mark
                ? " (SO_MARK needs CAP_NET_ADMIN or CAP_NET_RAW, which root has unless its capabilities were limited)"
                : string.Empty;
            throw new SocketOptionException(key, ex.Message + hint, ex);
        }
    }

    private static int Get(Socket socket, string key, SocketOption option)
    {
        try
        {
            return SocketOptionCalls.Get(socket, option);
        }
        catch (NativeCallException ex)
        {
            throw new SocketOptionException(key, ex.Message, ex);
        }
    }

    /// <summary>A value of /proc/sys (the daemon's network namespace), or <paramref name="fallback"/>, the kernel's default.</summary>
    private static int Sysctl(string name, int fallback)
    {
        try
        {
            return int.TryParse(File.ReadAllText("/proc/sys/" + name).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int value) ? value : fallback;
        }
        catch (IOException)
        {
            return fallback;
        }
        catch (UnauthorizedAccessException)
        {
            return fallback;
        }
    }
}
