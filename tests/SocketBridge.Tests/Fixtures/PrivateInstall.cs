namespace SocketBridge.Tests.Fixtures;

/// <summary>
/// A copy of the program under test in a directory of the test's own, for a
/// daemon whose executable the test may then delete or replace (a re-exec
/// runs the path the daemon was started from). The framework-dependent build
/// is an apphost that loads socketbridge.dll from its own directory (its real
/// path: /proc/self/exe), so the apphost is copied and every other file of
/// its directory linked; the NativeAOT program is one file, copied alone.
/// </summary>
public sealed class PrivateInstall : IDisposable
{
    private const UnixFileMode Executable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private readonly TempDirectory _directory = new();

    public PrivateInstall()
    {
        string source = System.IO.Path.GetDirectoryName(Binary.Path)!;
        string name = System.IO.Path.GetFileName(Binary.Path);
        Path = _directory[name];
        File.Copy(Binary.Path, Path);
        IsFrameworkDependent = File.Exists(System.IO.Path.Combine(source, name + ".dll"));
        if (IsFrameworkDependent)
        {
            foreach (string entry in System.IO.Directory.EnumerateFileSystemEntries(source))
            {
                string entryName = System.IO.Path.GetFileName(entry);
                if (entryName != name)
                {
                    File.CreateSymbolicLink(_directory[entryName], entry);
                }
            }
        }
    }

    /// <summary>The copied executable: what the daemon started from here re-executes.</summary>
    public string Path { get; }

    /// <summary>Whether the program is the apphost of the framework-dependent build (out/socketbridge).</summary>
    public bool IsFrameworkDependent { get; }

    /// <summary>Removes the executable: a re-exec finds nothing at its path.</summary>
    public void Delete() => File.Delete(Path);

    /// <summary>Puts a copy of the program under test back at <see cref="Path"/>.</summary>
    public void Restore() => Replace(File.ReadAllBytes(Binary.Path), Executable);

    /// <summary>Takes every execute bit off the executable (root too needs one to exec a file).</summary>
    public void MakeNotExecutable() => File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

    /// <summary>An executable file of bytes no kernel loader accepts (execve fails with ENOEXEC).</summary>
    public void ReplaceWithGarbage()
    {
        byte[] garbage = new byte[4096];
        new Random(17).NextBytes(garbage);
        garbage[0] = 0x7f; // Starts like neither ELF ("\x7fELF") nor a script ("#!").
        garbage[1] = (byte)'X';
        Replace(garbage, Executable);
    }

    /// <summary>A shell script at <see cref="Path"/>.</summary>
    public void ReplaceWithScript(string script) => Replace(System.Text.Encoding.UTF8.GetBytes(script), Executable);

    public void Dispose() => _directory.Dispose();

    /// <summary>
    /// A new file renamed over the old one, as a package manager does: the
    /// running program's file cannot be written (ETXTBSY), and the daemon
    /// keeps running from the old inode.
    /// </summary>
    private void Replace(byte[] contents, UnixFileMode mode)
    {
        string next = Path + ".next";
        File.WriteAllBytes(next, contents);
        File.SetUnixFileMode(next, mode);
        File.Move(next, Path, overwrite: true);
    }
}
