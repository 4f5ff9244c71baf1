using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Serilog;
using ILogger = Microsoft.Extensions.Logging.ILogger;
using Serilog.Core;
using SocketBridge.Bridges;
using SocketBridge.Configuration;
using SocketBridge.Control;
using SocketBridge.Endpoints;
using SocketBridge.Forwarding;
using SocketBridge.Handover;
using SocketBridge.Logging;
using SocketBridge.Metrics;
using SocketBridge.Processes;
using SocketBridge.Systemd;

namespace SocketBridge.Hosting;

/// <summary>Runs the daemon in the foreground on a validated configuration until SIGTERM or SIGINT.</summary>
internal static partial class DaemonRunner
{
    /// <summary>What the log is given to write its last entries when the stop took all of ShutdownTimeout.</summary>
    private static readonly TimeSpan MinimumLogFlush = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Runs on <paramref name="options"/>; <paramref name="reload"/> loads the
    /// configuration again for SIGHUP and <c>socketbridge reload</c>.
    /// Without <paramref name="controlSocket"/> (serve) no control socket is bound.
    /// </summary>
    public static async Task<int> RunAsync(SocketBridgeOptions options, Func<SocketBridgeOptions> reload, bool controlSocket = true)
    {
        // First, before anything could pass LISTEN_* on (sd_listen_fds(3)):
        // the sockets systemd passed, or those the previous image handed over (a re-exec).
        DaemonProgram program = DaemonProgram.Current();
        CarriedOver carried = CarriedOver.FromEnvironment();
        InheritedSockets inherited = carried.IsReexec ? InheritedSockets.FromDescriptors(carried.Listeners) : InheritedSockets.FromEnvironment();
        if (carried.State is { } handedOver)
        {
            inherited.Carry(handedOver.Nodes, handedOver.Fifos);
        }
        var level = new LoggingLevelSwitch(LoggingSetup.ToSerilog(options.Daemon.LogLevel));
        var logCounters = new LogCounters();
        // Disposed last, after the host: whatever is logged while stopping is written if the log takes it.
        using LogPipeline log = LoggingSetup.Create(level, logCounters);
        if (carried.State is { } counted)
        {
            logCounters.Resume(counted.Log);
        }
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        // Serilog's level switch decides, so a reload can change LogLevel.
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Services.AddSerilog(log.Logger, dispose: false);
        builder.Services.AddSingleton(level);
        builder.Services.AddSingleton(logCounters);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(inherited);
        builder.Services.AddSingleton(carried);
        builder.Services.AddSingleton(program);
        builder.Services.AddSingleton(log);
        builder.Services.AddSingleton<HandoverGate>();
        builder.Services.AddSingleton<ControlListener>();
        // The metrics: counted always (status --json shows them), read by a collector only when SocketBridge:Metrics is set.
        builder.Services.AddSingleton(new DaemonTally(carried.State?.Daemon));
        builder.Services.AddSingleton<MetricsListeners>();
        builder.Services.AddSingleton(sp => new SocketBridgeMeter(
            BuildVersion.Current,
            sp.GetRequiredService<DaemonTally>(),
            () => sp.GetRequiredService<StatusPublisher>().Samples(),
            new ProcessFigures()));
        if (options.Daemon.Metrics is not null)
        {
            // Created with the meter, so its instruments are there to read the carried histograms into.
            builder.Services.AddSingleton(sp => new MetricsCollector(sp.GetRequiredService<SocketBridgeMeter>(), carried.State?.Histograms ?? []));
        }
        builder.Services.AddSingleton<ISystemdNotifier, SystemdNotifier>();
        builder.Services.AddSingleton<ServiceNotifier>();
        builder.Services.AddSingleton(FileDescriptorStore.FromEnvironment());
        builder.Services.AddSingleton<ListenerStore>();
        // Programs the previous image launched are its children still: watched from the start.
        builder.Services.AddSingleton(sp => new ChildReaper(sp.GetRequiredService<ILogger<ChildReaper>>(), carried.Programs));
        builder.Services.AddSingleton<DescriptorReserve>();
        builder.Services.AddSingleton(_ => new RelayEngine());
        // What the watchdog asks to answer before each WATCHDOG=1.
        builder.Services.AddSingleton<ILivenessProbe, ThreadPoolProbe>();
        builder.Services.AddSingleton<ILivenessProbe, SocketEngineProbe>();
        builder.Services.AddSingleton<ILivenessProbe>(sp => sp.GetRequiredService<RelayEngine>());
        builder.Services.AddSingleton<BridgeFactory>();
        builder.Services.AddSingleton<RetiringBridges>();
        builder.Services.AddSingleton<ShutdownSequence>();
        builder.Services.AddSingleton<BridgeSupervisor>();
        builder.Services.AddSingleton<StatusPublisher>();
        builder.Services.AddSingleton<IStatusSource>(sp => sp.GetRequiredService<StatusPublisher>());
        builder.Services.AddSingleton(sp => new ConfigurationReloader(
            reload,
            sp.GetRequiredService<BridgeSupervisor>(),
            sp.GetRequiredService<StatusPublisher>(),
            sp.GetRequiredService<ServiceNotifier>(),
            level,
            sp.GetRequiredService<DaemonTally>(),
            sp.GetRequiredService<ILogger<ConfigurationReloader>>()));
        builder.Services.AddSingleton<IReloader>(sp => sp.GetRequiredService<ConfigurationReloader>());
        builder.Services.AddSingleton<Reexecutor>();
        builder.Services.AddSingleton<IReexecutor>(sp => sp.GetRequiredService<Reexecutor>());

        // Hosted services start in this order and stop in the reverse one.
        if (controlSocket)
        {
            // Before the bridges, so it answers from the moment READY=1 is sent.
            builder.Services.AddHostedService<ControlServer>();
        }

        if (options.Daemon.Metrics is { } metrics)
        {
            // Before the bridges too: an endpoint that cannot be bound stops the start, as a Listen does.
            builder.Services.AddHostedService(sp => new MetricsServer(
                metrics,
                sp.GetRequiredService<MetricsCollector>(),
                inherited,
                sp.GetRequiredService<MetricsListeners>(),
                sp.GetRequiredService<ILogger<MetricsServer>>()));
        }

        builder.Services.AddHostedService(sp => sp.GetRequiredService<BridgeSupervisor>());
        // Once the bridges are bound (READY=1), and stopped before them (STOPPING=1).
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StatusPublisher>());
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHostedService<WatchdogService>();
        // Last: once everything serves, a re-exec's new image says so and answers whoever asked.
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Reexecutor>());
        // The shutdown sequence keeps ShutdownTimeout itself, from the options
        // in force (a reload may change it); the host's own deadline, fixed
        // when it is built, would be the start-up one.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = Timeout.InfiniteTimeSpan);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);

        using IHost host = builder.Build();
        ILogger logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("SocketBridge");

        ConfigurationReloader reloader = host.Services.GetRequiredService<ConfigurationReloader>();
        // Before any handler of ours or of the host's lifetime is registered:
        // the runtime keeps ignoring a signal that was ignored at start.
        int[] ignored = Native.Posix.TakeBackDaemonSignals();
        if (ignored.Length > 0)
        {
            LogSignalsTakenBack(logger, string.Join(", ", ignored.Select(Processes.SignalNames.Name)));
        }

        using PosixSignalRegistration? hangup = WithSignals(logger, () => PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            _ = ReloadOnSignalAsync(reloader, logger);
        }));
        Reexecutor reexecutor = host.Services.GetRequiredService<Reexecutor>();
        using UserSignals? userSignals = hangup is null ? null : WithSignals(logger, () => new UserSignals(logger, controlSocket ? () => _ = Task.Run(reexecutor.ReexecOnSignalAsync) : null));
        if (userSignals is null)
        {
            return ExitCodes.Failure;
        }

        try
        {
            // Everything the framework-dependent build would load later, now:
            // a limit too low for it is this clear refusal, wherever the start would have met it.
            DescriptorReserve.EnsureCodeLoaded();
            await host.StartAsync().ConfigureAwait(false);
        }
        catch (ListenException ex)
        {
            LogStartFailed(logger, ex.Message);
            return ExitCodes.Failure;
        }
        catch (Exception ex) when (ex is OutOfMemoryException || (ex is System.Net.Sockets.SocketException socket && socket.SocketErrorCode == System.Net.Sockets.SocketError.TooManyOpenSockets))
        {
            // Out of descriptors before the reserve's own check could say so (the runtime
            // reports a thread it cannot start as out of memory): the same clear refusal.
            string what = ex is OutOfMemoryException ? "a thread could not be started" : ex.Message;
            LogStartFailed(logger, $"the open-file limit ({Native.Posix.OpenFilesLimit()}) is too low to start ({what}); raise LimitNOFILE (ulimit -n), or use the NativeAOT build (make publish)");
            return ExitCodes.Failure;
        }

        long stopping = 0;
        using (host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() => stopping = Stopwatch.GetTimestamp()))
        {
            await host.WaitForShutdownAsync().ConfigureAwait(false);
        }

        // SIGTERM ends the daemon within ShutdownTimeout whatever the log does
        // (SPEC 7, 8): what is left of it, and never long for a stuck sink.
        TimeSpan shutdownTimeout = host.Services.GetRequiredService<BridgeSupervisor>().Options.Daemon.ShutdownTimeout;
        TimeSpan left = shutdownTimeout - Stopwatch.GetElapsedTime(stopping);
        log.Close(left > MinimumLogFlush ? left : MinimumLogFlush);
        return ExitCodes.Success;
    }

    /// <summary>
    /// Sets up signal handling, which takes descriptors of its own the first
    /// time (a pipe): under an open-file limit already spent by the
    /// framework-dependent build's assemblies, that is the start's clear
    /// refusal, not an unhandled exception. Null when it failed (logged).
    /// </summary>
    private static T? WithSignals<T>(ILogger logger, Func<T> create)
        where T : class
    {
        try
        {
            return create();
        }
        catch (Exception ex) when (ex is TypeInitializationException or IOException)
        {
            LogStartFailed(logger, $"the open-file limit ({Native.Posix.OpenFilesLimit()}) is too low to start (signal handling could not be set up: {ex.GetBaseException().Message}); raise LimitNOFILE (ulimit -n), or use the NativeAOT build (make publish)");
            return null;
        }
    }

    [LoggerMessage(EventId = LogEventIds.StartFailed, Level = LogLevel.Critical, Message = "cannot start: {Error}")]
    private static partial void LogStartFailed(ILogger logger, string error);

    private static async Task ReloadOnSignalAsync(ConfigurationReloader reloader, ILogger logger)
    {
        LogHangup(logger);
        try
        {
            await reloader.ReloadOnSignalAsync().ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // SIGHUP while stopping: there is nothing left to reload.
        }
    }

    [LoggerMessage(EventId = LogEventIds.SignalsTakenBack, Level = LogLevel.Information, Message = "started with {Signals} ignored (nohup, or the parent's choice): handled as always (SIGHUP reloads, SIGTERM stops, SIGUSR2 re-executes)")]
    private static partial void LogSignalsTakenBack(ILogger logger, string signals);

    [LoggerMessage(EventId = LogEventIds.Hangup, Level = LogLevel.Information, Message = "SIGHUP: reloading the configuration")]
    private static partial void LogHangup(ILogger logger);
}
