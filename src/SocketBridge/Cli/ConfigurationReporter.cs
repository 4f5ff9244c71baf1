using SocketBridge.Configuration;

namespace SocketBridge.Cli;

/// <summary>Loads the configuration for a command and prints every problem, one a line.</summary>
internal static class ConfigurationReporter
{
    /// <summary>
    /// With <paramref name="warnings"/> (check) the configuration's warnings
    /// are printed too, valid or not; run logs them itself once it has a log.
    /// </summary>
    public static SocketBridgeOptions? Load(Func<SocketBridgeOptions> load, TextWriter errors, Func<ConfigurationError, string>? format = null, bool warnings = false)
    {
        try
        {
            SocketBridgeOptions options = load();
            if (warnings)
            {
                foreach (ConfigurationWarning warning in options.Warnings)
                {
                    errors.WriteLine(warning);
                }
            }

            return options;
        }
        catch (ConfigurationException ex)
        {
            foreach (ConfigurationError error in ex.Errors)
            {
                errors.WriteLine(format is null ? error.ToString() : format(error));
            }

            if (warnings)
            {
                foreach (ConfigurationWarning warning in ex.Warnings)
                {
                    errors.WriteLine(warning);
                }
            }

            return null;
        }
    }
}
