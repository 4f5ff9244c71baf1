namespace SocketBridge.Configuration;

/// <summary>The PROXY protocol header a forward bridge sends to Target first (the ProxyProtocol key).</summary>
internal enum ProxyProtocolVersion
{
    None,
    V1,
    V2,
}
