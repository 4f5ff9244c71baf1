using System.Globalization;
using System.Net.Sockets;
using SocketBridge.Native;
using SocketBridge.Systemd;

namespace SocketBridge.Hosting;

/// <summary>
/// .NET's socket event threads (".NET Sockets" in /proc/PID/task/*/comm).
/// The accept loops and the control socket wait on them, and with inline
/// completions (Program.cs) their continuations run there too, so one that
/// blocks stops every socket its thread watches. One Unix socket pair per
/// thread, a receive always pending on one end: a question is one byte sent
/// from the other end, answered when the receive completes on that thread.
/// The runtime gives sockets to its threads in turn as they first wait, so
/// pairs made one after the other land on different threads.
/// Made on the first question: nothing when no watchdog is asked for.
/// </summary>
internal sealed class SocketEngineProbe : ILivenessProbe, IDisposable
{
    private readonly Lock _gate = new();
    private Pair[]? _pairs;
    private bool _disposed;

    public void Ask()
    {
        foreach (Pair pair in Pairs())
        {
            pair.Ask();
        }
    }

    public string? Unanswered()
    {
        foreach (Pair pair in Volatile.Read(ref _pairs) ?? [])
        {
            if (!pair.HasAnswered)
            {
                return "a socket event thread";
            }
        }

        return null;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            foreach (Pair pair in _pairs ?? [])
            {
                pair.Dispose();
            }
        }
    }

    /// <summary>As many as the runtime has event threads: one per CPU with inline completions, unless set otherwise.</summary>
    private static int EngineCount() =>
        int.TryParse(Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT"), NumberStyles.None, CultureInfo.InvariantCulture, out int count) && count > 0
            ? count
            : Environment.ProcessorCount;

    private Pair[] Pairs()
    {
        if (Volatile.Read(ref _pairs) is { } pairs)
        {
            return pairs;
        }

        lock (_gate)
        {
            if (_pairs is null && !_disposed)
            {
                var made = new Pair[EngineCount()];
                for (int i = 0; i < made.Length; i++)
                {
                    made[i] = new Pair();
                }

                Volatile.Write(ref _pairs, made);
            }

            return _pairs ?? [];
        }
    }

    /// <summary>One socket pair: questions go in at one end, answers are the receives completing at the other.</summary>
    private sealed class Pair : IDisposable
    {
        private readonly Socket _receiver;
        private readonly Socket _sender;
        private readonly SocketAsyncEventArgs _receive = new();
        private readonly byte[] _question = [1];
        private long _asked;
        private long _answered;

        public Pair()
        {
            (SafeSocketHandle first, SafeSocketHandle second) = Posix.SocketPair();
            _receiver = new Socket(first);
            _sender = new Socket(second) { Blocking = false };
            _receive.SetBuffer(new byte[64], 0, 64);
            _receive.Completed += (_, args) => Received(args);
            ReceiveNext();
        }

        public bool HasAnswered => Volatile.Read(ref _answered) >= Volatile.Read(ref _asked);

        /// <summary>A byte, unless the last question is still unanswered (a stuck thread is not sent more).</summary>
        public void Ask()
        {
            if (!HasAnswered)
            {
                return;
            }

            Interlocked.Increment(ref _asked);
            try
            {
                _sender.Send(_question, SocketFlags.None);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Stopping: nobody asks any more.
            }
        }

        public void Dispose()
        {
            _sender.Dispose();
            _receiver.Dispose();
            _receive.Dispose();
        }

        private void Received(SocketAsyncEventArgs args)
        {
            if (args.SocketError != SocketError.Success || args.BytesTransferred == 0)
            {
                return;
            }

            Volatile.Write(ref _answered, Volatile.Read(ref _asked));
            ReceiveNext();
        }

        private void ReceiveNext()
        {
            try
            {
                // False: completed at once, on this thread; answer and wait again.
                while (!_receiver.ReceiveAsync(_receive))
                {
                    if (_receive.SocketError != SocketError.Success || _receive.BytesTransferred == 0)
                    {
                        return;
                    }

                    Volatile.Write(ref _answered, Volatile.Read(ref _asked));
                }
            }
            catch (ObjectDisposedException)
            {
                // Stopping.
            }
        }
    }
}
