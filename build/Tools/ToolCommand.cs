using Platform.Build.Logging;

namespace Platform.Build.Tools;

/// <summary>
/// One planned invocation of a tool, as data: the wrappers build these without running anything, so tests can
/// assert the exact arguments. <see cref="ToolRunner"/> runs them.
/// </summary>
public sealed record ToolCommand(ToolInfo Tool, IReadOnlyList<string> Arguments)
{
    public string? WorkingDirectory { get; init; }
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);
    public string? StandardInput { get; init; }
    /// <summary>Values to mask wherever this command is printed (added to the process-wide redaction list).</summary>
    public IReadOnlyList<string> Secrets { get; init; } = [];
    /// <summary>Stream each output line to the log (off for commands whose output is data, e.g. a render).</summary>
    public bool StreamOutput { get; init; } = true;
    /// <summary>Exit codes that are not failures (e.g. terraform plan -detailed-exitcode returns 2 for "changes").</summary>
    public IReadOnlyList<int> SuccessExitCodes { get; init; } = [0];

    /// <summary>The command line as a person would type it, secrets masked.</summary>
    public string Display()
    {
        foreach (var s in Secrets) Redaction.Register(s);
        return Redaction.Apply(string.Join(' ', new[] { Tool.Executable }.Concat(Arguments).Select(Quote)));
    }

    private static string Quote(string a) =>
        a.Length == 0 || a.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or '$' or '*') ? "'" + a.Replace("'", "'\\''") + "'" : a;
}

public sealed record ToolResult(int ExitCode, string StandardOutput, string StandardError, TimeSpan Duration);

/// <summary>A tool exited with a failure code. Carries the redacted command line and the tail of stderr.</summary>
public sealed class ToolFailedException(string commandLine, int exitCode, string stderrTail)
    : Exception($"Command failed with exit code {exitCode}: {commandLine}" + (stderrTail.Length > 0 ? $"\n--- stderr (last lines) ---\n{stderrTail}" : ""))
{
    public string CommandLine { get; } = commandLine;
    public int ExitCode { get; } = exitCode;
    public string StandardErrorTail { get; } = stderrTail;
}

/// <summary>A required tool is not installed, or is older than the suite supports.</summary>
public sealed class ToolMissingException(ToolInfo tool, string problem)
    : Exception($"{tool.Name} {problem}. {tool.InstallHint} (or set {tool.PathVariable} to its path)")
{
    public ToolInfo Tool { get; } = tool;
}
