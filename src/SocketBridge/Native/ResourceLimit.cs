using System.Runtime.InteropServices;

namespace SocketBridge.Native;

/// <summary>A soft and a hard limit for one resource (setrlimit(2)); <see cref="Infinity"/> is RLIM_INFINITY.</summary>
internal readonly record struct ResourceLimit(ResourceKind Kind, ulong Soft, ulong Hard)
{
    public const ulong Infinity = ulong.MaxValue;

    /// <summary>RLIMIT_NOFILE=1024:4096, as messages name it.</summary>
    public override string ToString() => $"RLIMIT_{Name(Kind)}={Text(Soft)}:{Text(Hard)}";

    private static string Text(ulong value) => value == Infinity ? "infinity" : value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Name(ResourceKind kind) => kind switch
    {
        ResourceKind.OpenFiles => "NOFILE",
        ResourceKind.Processes => "NPROC",
        ResourceKind.AddressSpace => "AS",
        ResourceKind.Data => "DATA",
        ResourceKind.CpuTime => "CPU",
        ResourceKind.CoreSize => "CORE",
        ResourceKind.FileSize => "FSIZE",
        ResourceKind.Stack => "STACK",
        _ => kind.ToString(),
    };
}

/// <summary>Mirrors sb_resource_limit in socketbridge_native.h.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ResourceLimitEntry
{
    public int Kind;
    public int Reserved;
    public ulong Soft;
    public ulong Hard;
}
