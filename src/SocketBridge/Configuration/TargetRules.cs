using SocketBridge.Endpoints;

namespace SocketBridge.Configuration;

/// <summary>What a forward bridge's Target allows of the keys beside it: an on-demand backend, a PROXY header.</summary>
internal static class TargetRules
{
    /// <summary>An on-demand backend (Exec) is started and connected to: not through a FIFO yet.</summary>
    public static bool CheckBackend(ConfigNode bridge, ConfigNode target, Endpoint endpoint, ErrorCollector errors)
    {
        if (endpoint is FifoEndpoint && bridge["Exec"] is not null)
        {
            errors.Add(target, "an on-demand backend (Exec) with a fifo: Target is not supported yet (use tcp: or unix:)");
            return false;
        }

        return true;
    }

    /// <summary>ExitIdleTime stops an on-demand backend: a forward bridge without Exec has none.</summary>
    public static bool CheckExitIdleTime(BridgeShape shape, ConfigNode node, ErrorCollector errors)
    {
        if (shape.Bridge["Exec"] is null)
        {
            errors.Add(node, ModeRule.Message(BridgeKeys.ExitIdleTime, shape.Mode));
            return false;
        }

        return true;
    }

    /// <summary>A PROXY header goes to a backend that reads it: not into a FIFO.</summary>
    public static bool CheckProxyProtocol(BridgeShape shape, ConfigNode node, ErrorCollector errors)
    {
        if (shape.Target is FifoEndpoint)
        {
            errors.Add(node, "does not apply to a fifo: Target (it needs a tcp: or unix: backend)");
            return false;
        }

        return true;
    }
}
