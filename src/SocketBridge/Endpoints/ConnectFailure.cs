using System.Net.Sockets;
using SocketBridge.Native;

namespace SocketBridge.Endpoints;

/// <summary>
/// Why connecting to an endpoint failed, in words that fit it: .NET reports
/// a missing Unix socket file as "Cannot assign requested address".
/// </summary>
internal static class ConnectFailure
{
    public static string Describe(Endpoint endpoint, SocketException error)
    {
        if (endpoint is UnixEndpoint { IsAbstract: false } unix && error.SocketErrorCode == SocketError.AddressNotAvailable)
        {
            return Posix.TryLStat(unix.Path) switch
            {
                null => "No such file or directory",
                { IsSocket: false } other => $"{unix.Path} is {other.Kind}, not a socket",
                _ => error.Message,
            };
        }

        return error.Message;
    }
}
