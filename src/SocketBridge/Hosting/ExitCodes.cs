namespace SocketBridge.Hosting;

/// <summary>Exit codes (SPEC 2), from sysexits.h.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 64;
    public const int Unavailable = 69;
    public const int Config = 78;
}
