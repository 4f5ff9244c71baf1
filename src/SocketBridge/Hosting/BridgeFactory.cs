using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using SocketBridge.Bridges;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;
using SocketBridge.Forwarding;
using SocketBridge.Handover;
using SocketBridge.Metrics;
using SocketBridge.Processes;

namespace SocketBridge.Hosting;

/// <summary>
/// Makes a <see cref="Bridge"/> from its options and its bound sockets, with
/// the mode its options and its endpoint's kind ask for (SPEC 4) and a logger
/// that keeps its last error for <c>socketbridge status</c>. What the modes
/// share (the child reaper, the relay loops, the descriptor reserve, one
/// /dev/null, the connection ids) is held here, once for the daemon.
/// </summary>
internal sealed class BridgeFactory : IDisposable
{
    private readonly ChildReaper _reaper;
    private readonly RelayEngine _relays;
    private readonly DescriptorReserve _descriptors;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ConnectionIdGenerator _ids;
    private readonly HandoverGate _gate;
    private readonly SafeFileHandle _devNull = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.ReadWrite);

    public BridgeFactory(ChildReaper reaper, RelayEngine relays, DescriptorReserve descriptors, TimeProvider time, ILoggerFactory loggerFactory, HandoverGate gate, CarriedOver carried)
    {
        _gate = gate;
        _ids = carried.State is { IdPrefix.Length: > 0 } state ? new ConnectionIdGenerator(state.IdPrefix, state.LastId) : new ConnectionIdGenerator();
        _reaper = reaper;
        _relays = relays;
        _descriptors = descriptors;
        _time = time;
        _loggerFactory = loggerFactory;
    }

    /// <param name="counters">New, or carried on from the bridge this one replaces.</param>
    public Bridge Create(BridgeOptions options, IReadOnlyList<BoundEndpoint> endpoints, BridgeCounters counters)
    {
        ILogger logger = new ErrorRecordingLogger(_loggerFactory.CreateLogger($"SocketBridge.Bridges.{options.Name}"), counters, _time);
        return new Bridge(options, endpoints, CreateMode(options, logger, counters.Tally), counters, _ids, logger, _gate);
    }

    /// <summary>The connection ids, for a re-exec to go on with.</summary>
    public ConnectionIdGenerator Ids => _ids;

    public void Dispose() => _devNull.Dispose();

    private IBridgeMode CreateMode(BridgeOptions options, ILogger logger, BridgeTally tally)
    {
        if (options.Mode == BridgeMode.Forward)
        {
            _relays.Start();
        }

        // The reader sets the part each mode needs. A fifo: endpoint is its
        // bridge's only one (checked at load).
        bool fifo = options.Listen.Endpoints[0].Endpoint is FifoEndpoint;
        return options switch
        {
            { Mode: BridgeMode.Spawn, Program: { } program } when fifo => new FifoMode(new FifoSpawnHandler(options, program, _reaper, _devNull, _gate, tally), _relays),
            { Mode: BridgeMode.Spawn, Program: { } program } => new AcceptLoop(new SpawnMode(options, program, _reaper, _devNull, logger, _gate, tally), options, _descriptors, _time),
            { Mode: BridgeMode.Handoff, Program: { } program } => new HandoffMode(options, program, _reaper, _devNull, _relays, tally),
            { Mode: BridgeMode.Forward, Forward: { } forward } when fifo => new FifoMode(new FifoForwardHandler(options, forward, Backend(options, forward, logger, tally), _relays, _time), _relays),
            { Mode: BridgeMode.Forward, Forward: { } forward } => new AcceptLoop(new ForwardMode(options, forward, Backend(options, forward, logger, tally), _relays, logger, _time, _gate, tally), options, _descriptors, _time),
            _ => throw new InvalidOperationException($"bridge {options.Name}: {options.Mode} mode is not available"),
        };
    }

    /// <summary>A forward bridge's on-demand backend: its Program, when it has one.</summary>
    private OnDemandBackend? Backend(BridgeOptions options, ForwardOptions forward, ILogger logger, BridgeTally tally) =>
        options.Program is { } program ? new OnDemandBackend(options, forward, program, _reaper, _devNull, _relays, logger, _time, _gate, tally) : null;
}
