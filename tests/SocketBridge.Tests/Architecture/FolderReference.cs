namespace SocketBridge.Tests.Architecture;

/// <summary>One use, in one source file, of another folder's namespace.</summary>
/// <param name="File">The file, relative to src/SocketBridge.</param>
/// <param name="Folder">The file's folder (its namespace); empty for a file at the top (Program.cs).</param>
/// <param name="Target">The folder used.</param>
/// <param name="How">The text that uses it: a using directive or a qualified name.</param>
public sealed record FolderReference(string File, string Folder, string Target, string How);
