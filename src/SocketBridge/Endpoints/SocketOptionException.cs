namespace SocketBridge.Endpoints;

/// <summary>
/// A socket option could not be set: the message names the configuration
/// key and the kernel's call and option (<c>Mark: setsockopt(SO_MARK):
/// Operation not permitted ...</c>); the binder adds the bridge and the address.
/// </summary>
internal sealed class SocketOptionException(string key, string message, Exception? inner = null)
    : Exception($"{key}: {message}", inner)
{
    public string Key { get; } = key;
}
