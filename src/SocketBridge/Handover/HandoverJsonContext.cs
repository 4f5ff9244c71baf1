using System.Text.Json.Serialization;

namespace SocketBridge.Handover;

/// <summary>The handover state's JSON, generated at build time (NativeAOT has no reflection serializer).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(HandoverState))]
internal sealed partial class HandoverJsonContext : JsonSerializerContext;
