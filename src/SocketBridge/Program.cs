namespace SocketBridge;

internal static class Program
{
    public static int Main(string[] args)
    {
        // First, before any child or thread of ours: a parent that left
        // SIGCHLD ignored would have the kernel reap every program the daemon
        // launches, so no exit would ever be seen (and no slot freed).
        Native.Posix.ResetInheritedSignals();

        // Socket completions run on the event-loop thread instead of hopping
        // to the thread pool: a forwarded byte's round trip pays no thread
        // switch (measured: about half the added latency). Read once, when
        // the socket engine starts, so it is set before any socket exists.
        // Nothing that blocks runs in a socket continuation: spawning goes
        // through Task.Run, and logging only queues (Logging/QueuedSink).
        Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        return Cli.CommandLine.Invoke(args);
    }
}
