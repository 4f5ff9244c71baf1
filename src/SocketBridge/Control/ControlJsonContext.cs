using System.Text.Json.Serialization;

namespace SocketBridge.Control;

/// <summary>System.Text.Json source generation for the control protocol (no reflection, NativeAOT-safe).</summary>
[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(StatusResponse))]
[JsonSerializable(typeof(ReloadResult))]
[JsonSerializable(typeof(ReexecResult))]
internal sealed partial class ControlJsonContext : JsonSerializerContext
{
}
