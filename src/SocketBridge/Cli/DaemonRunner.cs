using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Serilog;
using ILogger = Microsoft.Extensions.Logging.ILogger;
using SocketBridge.Bridges;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;
using SocketBridge.Logging;
using SocketBridge.Processes;
using SocketBridge.Systemd;

namespace SocketBridge.Cli;

/// <summary>Runs the daemon in the foreground on a validated configuration until SIGTERM or SIGINT.</summary>
public static partial class DaemonRunner
{
    public static async Task<int> RunAsync(SocketBridgeOptions options)
    {
        // First, before anything could pass LISTEN_* on (sd_listen_fds(3)).
        InheritedSockets inherited = InheritedSockets.FromEnvironment();
        Serilog.Core.Logger serilog = LoggingSetup.CreateLogger(options.Daemon.LogLevel);
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(options.Daemon.LogLevel);
        builder.Services.AddSerilog(serilog, dispose: true);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(inherited);
        builder.Services.AddSingleton<ISystemdNotifier, SystemdNotifier>();
        builder.Services.AddSingleton<ServiceNotifier>();
        builder.Services.AddSingleton<ChildReaper>();
        builder.Services.AddSingleton<BridgeHost>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BridgeHost>());
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHostedService<WatchdogService>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.Daemon.ShutdownTimeout + TimeSpan.FromSeconds(10));
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);

        using IHost host = builder.Build();
        ILogger logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("SocketBridge");

        // Reload arrives with the operations work; until then SIGHUP must not kill the daemon.
        using PosixSignalRegistration hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            LogHangupIgnored(logger);
        });

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "SIGHUP: this version of socketbridge cannot reload; the running configuration is unchanged")]
    private static partial void LogHangupIgnored(ILogger logger);
}
