namespace SocketBridge.Native;

/// <summary>The epoll(7) event bits the relay loop uses (sys/epoll.h).</summary>
internal static class EpollFlags
{
    public const uint In = 0x001;
    public const uint Out = 0x004;
    public const uint Error = 0x008;
    public const uint HangUp = 0x010;
    public const uint ReadHangUp = 0x2000;
    public const uint OneShot = 1u << 30;
    public const uint EdgeTriggered = 1u << 31;
}
