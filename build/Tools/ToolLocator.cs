using System.Text.RegularExpressions;
using CliWrap.Buffered;

namespace Platform.Build.Tools;

/// <summary>Finds tools on PATH (or at the path in PLATFORM_TOOL_NAME) and reads their versions.</summary>
public sealed partial class ToolLocator(IReadOnlyDictionary<string, string> environment)
{
    public static ToolLocator FromProcess() =>
        new(System.Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? ""));

    public string? Find(ToolInfo tool)
    {
        if (environment.TryGetValue(tool.PathVariable, out var overridden) && overridden.Length > 0)
            return File.Exists(overridden) ? overridden : null;
        var path = environment.GetValueOrDefault("PATH", "");
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, tool.Executable);
            if (File.Exists(candidate)) return candidate;
            if (OperatingSystem.IsWindows() && File.Exists(candidate + ".exe")) return candidate + ".exe";
        }
        return null;
    }

    /// <summary>Pulls the first dotted version out of a tool's version banner ("Terraform v1.11.4", "Client Version: v1.32.4-dispatcher").</summary>
    public static Version? ParseVersion(string banner)
    {
        var m = VersionPattern().Match(banner);
        return m.Success ? Version.Parse(m.Groups[1].Value + (m.Groups[2].Success ? m.Groups[2].Value : ".0")) : null;
    }

    [GeneratedRegex(@"(?<![\d.])v?(\d+\.\d+)(\.\d+)?")]
    private static partial Regex VersionPattern();
}

public enum ToolState { Ok, Missing, TooOld, Unknown }

public sealed record ToolStatus(ToolInfo Tool, string? Path, Version? Version, ToolState State)
{
    public static async Task<ToolStatus> ProbeAsync(ToolInfo tool, ToolLocator locator, CancellationToken ct = default)
    {
        var path = locator.Find(tool);
        if (path is null) return new(tool, null, null, ToolState.Missing);
        try
        {
            var versionPath = tool.VersionExecutable is null ? path : locator.Find(tool with { Executable = tool.VersionExecutable }) ?? path;
            var result = await CliWrap.Cli.Wrap(versionPath).WithArguments(tool.VersionArguments)
                .WithValidation(CliWrap.CommandResultValidation.None)
                .ExecuteBufferedAsync(new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token).ConfigureAwait(false);
            var version = ToolLocator.ParseVersion(result.StandardOutput + "\n" + result.StandardError);
            if (version is null) return new(tool, path, null, ToolState.Unknown);
            return new(tool, path, version, version < Version.Parse(tool.MinimumVersion) ? ToolState.TooOld : ToolState.Ok);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return new(tool, path, null, ToolState.Unknown);
        }
    }
}
