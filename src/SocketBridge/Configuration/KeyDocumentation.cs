namespace SocketBridge.Configuration;

/// <summary>
/// What a configuration key is, for the reference the README's tables and
/// socketbridge.json(5) are generated from (tests/.../Documentation), so
/// that they document exactly the keys the reader accepts. Written in the
/// README's Markdown: `code`, **bold** and [links](#anchor) only.
/// </summary>
/// <param name="Type">The JSON value it takes: "boolean", "duration", "array of strings"...</param>
/// <param name="Default">What applies when it is not written.</param>
/// <param name="Meaning">What it sets.</param>
internal sealed record KeyDocumentation(string Type, string Default, string Meaning);
