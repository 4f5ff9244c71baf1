using System.Net.Sockets;

namespace SocketBridge.Endpoints;

/// <summary>
/// A Unix socket at <c>/absolute/path</c>, or <c>@name</c> in the Linux
/// abstract namespace, of one of three types, as a <c>.socket</c> unit's
/// <c>ListenStream=</c>, <c>ListenDatagram=</c> and <c>ListenSequentialPacket=</c>:
/// <c>unix:</c> (stream), <c>unix-dgram:</c> (datagrams) and
/// <c>unix-seqpacket:</c> (connections that keep message boundaries).
/// Every type follows the same file rules (SPEC 8).
/// </summary>
internal sealed record UnixEndpoint(string Path, SocketType Type = SocketType.Stream) : Endpoint
{
    public override string Scheme => SchemeOf(Type);

    public bool IsAbstract => Path.StartsWith('@');

    /// <summary>The name as the kernel takes it: abstract names start with a NUL byte.</summary>
    public string KernelPath => IsAbstract ? "\0" + Path[1..] : Path;

    /// <summary>The scheme of a Unix socket of <paramref name="type"/>.</summary>
    public static string SchemeOf(SocketType type) => type switch
    {
        SocketType.Dgram => "unix-dgram",
        SocketType.Seqpacket => "unix-seqpacket",
        _ => "unix",
    };

    public override string ToString() => $"{Scheme}:{Path}";
}
