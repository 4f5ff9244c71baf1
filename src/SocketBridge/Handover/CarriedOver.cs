using System.Globalization;

namespace SocketBridge.Handover;

/// <summary>
/// What the daemon's previous image handed over (a re-exec), read once at
/// start: the listening sockets by descriptor and name, and the state,
/// unless it could not be read (<see cref="Problem"/>: then the listening
/// sockets are still kept). The variables are removed, so no program
/// launched later sees them.
/// </summary>
internal sealed class CarriedOver
{
    private readonly Dictionary<string, BridgeHandover> _bridges;

    private CarriedOver(HandoverState? state, IReadOnlyList<(int Fd, string Name, string? Bridge)> listeners, string? problem)
    {
        State = state;
        Listeners = listeners;
        Problem = problem;
        _bridges = state?.Bridges.GroupBy(b => b.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal) ?? [];
    }

    public static CarriedOver None { get; } = new(null, [], null);

    /// <summary>The state, when there was one and it could be read.</summary>
    public HandoverState? State { get; }

    /// <summary>The listening sockets (and the control socket), as sd_listen_fds(3) would give them.</summary>
    public IReadOnlyList<(int Fd, string Name, string? Bridge)> Listeners { get; }

    /// <summary>Why a state that was handed over could not be read (naming the file and the field).</summary>
    public string? Problem { get; }

    public bool IsReexec => State is not null || Problem is not null || Listeners.Count > 0;

    /// <summary>Every launched program handed over, whichever bridge it serves.</summary>
    public IEnumerable<ProgramHandover> Programs => State is null ? [] : State.Bridges.SelectMany(b =>
        b.Connections.Select(c => c.Program)
            .Append(b.Handoff?.Program)
            .Append(b.Backend?.Program))
        .OfType<ProgramHandover>();

    /// <summary>The bridge of this name, once (a second call gets null).</summary>
    public BridgeHandover? TakeBridge(string name)
    {
        lock (_bridges)
        {
            return _bridges.Remove(name, out BridgeHandover? bridge) ? bridge : null;
        }
    }

    /// <summary>The bridges no bridge of the new configuration took.</summary>
    public IReadOnlyList<BridgeHandover> Untaken()
    {
        lock (_bridges)
        {
            return [.. _bridges.Values];
        }
    }

    public static CarriedOver FromEnvironment()
    {
        string? stateFd = Environment.GetEnvironmentVariable(HandoverFormat.StateVariable);
        string? fds = Environment.GetEnvironmentVariable(HandoverFormat.ListenFdsVariable);
        string? names = Environment.GetEnvironmentVariable(HandoverFormat.ListenNamesVariable);
        string? bridges = Environment.GetEnvironmentVariable(HandoverFormat.ListenBridgesVariable);
        Environment.SetEnvironmentVariable(HandoverFormat.ListenBridgesVariable, null);
        Environment.SetEnvironmentVariable(HandoverFormat.StateVariable, null);
        Environment.SetEnvironmentVariable(HandoverFormat.ListenFdsVariable, null);
        Environment.SetEnvironmentVariable(HandoverFormat.ListenNamesVariable, null);
        if (stateFd is null && fds is null)
        {
            return None;
        }

        var listeners = new List<(int, string, string?)>();
        string[] fdNames = names?.Split(':') ?? [];
        string[] fdBridges = bridges?.Split(':') ?? [];
        string[] numbers = string.IsNullOrEmpty(fds) ? [] : fds.Split(':');
        for (int i = 0; i < numbers.Length; i++)
        {
            if (int.TryParse(numbers[i], NumberStyles.None, CultureInfo.InvariantCulture, out int fd) && fd > 2)
            {
                // An empty name: a socket the previous image bound itself.
                listeners.Add((fd, i < fdNames.Length ? fdNames[i] : string.Empty, i < fdBridges.Length && fdBridges[i].Length > 0 ? fdBridges[i] : null));
            }
        }

        if (stateFd is null)
        {
            return new CarriedOver(null, listeners, $"{HandoverFormat.ListenFdsVariable} is set but {HandoverFormat.StateVariable} is not: only the listening sockets are taken over");
        }

        if (!int.TryParse(stateFd, NumberStyles.None, CultureInfo.InvariantCulture, out int memfd) || memfd <= 2)
        {
            return new CarriedOver(null, listeners, $"{HandoverFormat.StateVariable}={stateFd} is not a descriptor number");
        }

        try
        {
            HandoverState state = HandoverFormat.Read(memfd);
            // Copies made to survive the exec: close-on-exec again, so the next exec carries only its own copies.
            foreach (int fd in state.Descriptors())
            {
                Native.ProcessImage.CloseAcrossExec(fd);
            }

            return new CarriedOver(state, listeners, null);
        }
        catch (HandoverException ex)
        {
            return new CarriedOver(null, listeners, ex.Message);
        }
        finally
        {
            Native.Posix.Close(memfd);
        }
    }
}
