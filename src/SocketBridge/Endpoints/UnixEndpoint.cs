namespace SocketBridge.Endpoints;

/// <summary><c>unix:/absolute/path</c>, or <c>unix:@name</c> in the Linux abstract namespace.</summary>
public sealed record UnixEndpoint(string Path) : Endpoint
{
    public override string Scheme => "unix";

    public bool IsAbstract => Path.StartsWith('@');

    /// <summary>The name as the kernel takes it: abstract names start with a NUL byte.</summary>
    public string KernelPath => IsAbstract ? "\0" + Path[1..] : Path;

    public override string ToString() => $"unix:{Path}";
}
