using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Serilog;
using ILogger = Microsoft.Extensions.Logging.ILogger;
using SocketBridge.Bridges;
using Serilog.Core;
using SocketBridge.Configuration;
using SocketBridge.Control;
using SocketBridge.Endpoints;
using SocketBridge.Forwarding;
using SocketBridge.Logging;
using SocketBridge.Processes;
using SocketBridge.Systemd;

namespace SocketBridge.Cli;

/// <summary>Runs the daemon in the foreground on a validated configuration until SIGTERM or SIGINT.</summary>
public static partial class DaemonRunner
{
    /// <summary>
    /// Runs on <paramref name="options"/>; <paramref name="reload"/> loads the
    /// configuration again for SIGHUP and <c>socketbridge reload</c>.
    /// Without <paramref name="controlSocket"/> (serve) no control socket is bound.
    /// </summary>
    public static async Task<int> RunAsync(SocketBridgeOptions options, Func<SocketBridgeOptions> reload, bool controlSocket = true)
    {
        // First, before anything could pass LISTEN_* on (sd_listen_fds(3)).
        InheritedSockets inherited = InheritedSockets.FromEnvironment();
        var level = new LoggingLevelSwitch(LoggingSetup.ToSerilog(options.Daemon.LogLevel));
        Serilog.Core.Logger serilog = LoggingSetup.CreateLogger(level);
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        // Serilog's level switch decides, so a reload can change LogLevel.
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Services.AddSerilog(serilog, dispose: true);
        builder.Services.AddSingleton(level);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(inherited);
        builder.Services.AddSingleton<ISystemdNotifier, SystemdNotifier>();
        builder.Services.AddSingleton<ServiceNotifier>();
        builder.Services.AddSingleton<ChildReaper>();
        builder.Services.AddSingleton<DescriptorReserve>();
        builder.Services.AddSingleton(_ => new RelayEngine());
        builder.Services.AddSingleton<BridgeHost>();
        builder.Services.AddSingleton(sp => new ConfigurationReloader(
            reload,
            sp.GetRequiredService<BridgeHost>(),
            sp.GetRequiredService<ServiceNotifier>(),
            level,
            sp.GetRequiredService<ILogger<ConfigurationReloader>>()));
        if (controlSocket)
        {
            // Before the bridges, so it answers from the moment READY=1 is sent.
            builder.Services.AddHostedService<ControlServer>();
        }

        builder.Services.AddHostedService(sp => sp.GetRequiredService<BridgeHost>());
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHostedService<WatchdogService>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.Daemon.ShutdownTimeout + TimeSpan.FromSeconds(10));
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);

        using IHost host = builder.Build();
        ILogger logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("SocketBridge");

        ConfigurationReloader reloader = host.Services.GetRequiredService<ConfigurationReloader>();
        using PosixSignalRegistration hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            _ = ReloadOnSignalAsync(reloader, logger);
        });
        using var userSignals = new UserSignals(logger);

        try
        {
            await host.StartAsync().ConfigureAwait(false);
        }
        catch (ListenException ex)
        {
            LogStartFailed(logger, ex.Message);
            return ExitCodes.Failure;
        }

        await host.WaitForShutdownAsync().ConfigureAwait(false);
        return ExitCodes.Success;
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "cannot start: {Error}")]
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

    [LoggerMessage(Level = LogLevel.Information, Message = "SIGHUP: reloading the configuration")]
    private static partial void LogHangup(ILogger logger);
}
