namespace Platform.Build.Tests.Support;

/// <summary>Writes the small shell scripts tests use as tools and stand-ins (user read/write/execute).</summary>
public static class Executable
{
    public static string Write(string path, string script)
    {
        File.WriteAllText(path, script.Replace("\r", "", StringComparison.Ordinal));
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
