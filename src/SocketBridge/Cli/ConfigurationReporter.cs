using SocketBridge.Configuration;

namespace SocketBridge.Cli;

/// <summary>Loads the configuration for a command and prints every problem, one a line.</summary>
public static class ConfigurationReporter
{
    public static SocketBridgeOptions? Load(Func<SocketBridgeOptions> load, TextWriter errors, Func<ConfigurationError, string>? format = null)
    {
        try
        {
            return load();
        }
        catch (ConfigurationException ex)
        {
            foreach (ConfigurationError error in ex.Errors)
            {
                errors.WriteLine(format is null ? error.ToString() : format(error));
            }

            return null;
        }
    }
}
