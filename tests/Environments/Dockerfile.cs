using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;

namespace Platform.Build.Tests.Environments;

/// <summary>One Dockerfile instruction, its 1-based first line, and the comment lines directly above it.</summary>
internal sealed record DockerfileStep(string Instruction, string Arguments, int Line, IReadOnlyList<string> Comments);

/// <summary>
/// A Dockerfile read the way BuildKit reads it: parser directives at the top, continuation lines joined, comments
/// dropped from instructions but kept as the block directly above each one (where hadolint reads its pragmas),
/// ARG defaults.
/// </summary>
internal sealed partial record Dockerfile(IReadOnlyList<DockerfileStep> Instructions, IReadOnlyDictionary<string, string> Directives)
{
    public static Dockerfile Parse(string text)
    {
        var instructions = new List<DockerfileStep>();
        var directives = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var inDirectives = true;
        var comments = new List<string>();
        var current = "";
        var start = 0;
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        for (var n = 0; n < lines.Length; n++)
        {
            var line = lines[n].TrimEnd();
            if (current.Length == 0)
            {
                var directive = inDirectives ? Directive().Match(line) : Match.Empty;
                if (directive.Success) { directives[directive.Groups[1].Value] = directive.Groups[2].Value.Trim(); continue; }
                inDirectives = false;
                if (line.Trim().Length == 0) { comments.Clear(); continue; }
                if (line.TrimStart().StartsWith('#')) { comments.Add(line.TrimStart()[1..].Trim()); continue; }
                start = n + 1;
            }
            else if (line.TrimStart().StartsWith('#')) continue; // comment inside a continuation
            if (line.EndsWith('\\')) { current += line[..^1] + "\\\n"; continue; }
            current += line;
            var m = Instruction().Match(current.Trim());
            instructions.Add(new(m.Groups[1].Value.ToUpperInvariant(), m.Groups[2].Value, start, [.. comments]));
            comments.Clear();
            current = "";
        }
        return new(instructions, directives);
    }

    public IReadOnlyDictionary<string, string> ArgDefaults =>
        Instructions.Where(i => i.Instruction == "ARG" && i.Arguments.Contains('='))
            .Select(i => i.Arguments.Split('=', 2)).GroupBy(p => p[0].Trim()).ToDictionary(g => g.Key, g => g.First()[1].Trim());

    /// <summary>FROM images as written (ARG references not substituted).</summary>
    public IEnumerable<string> RawBaseImages =>
        Instructions.Where(i => i.Instruction == "FROM").Select(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]);

    /// <summary>FROM images with ARG defaults substituted.</summary>
    public IEnumerable<string> BaseImages => RawBaseImages.Select(Substitute);

    /// <summary>Shell-form RUN bodies, with the continuation lines as the shell sees them.</summary>
    public IEnumerable<string> RunScripts => ShellRuns.Select(r => r.Step.Arguments);

    /// <summary>Shell-form RUN instructions with the shell that runs them (the stage's last SHELL, else /bin/sh -c).</summary>
    public IEnumerable<(DockerfileStep Step, IReadOnlyList<string> Shell)> ShellRuns
    {
        get
        {
            IReadOnlyList<string> shell = DefaultShell;
            foreach (var step in Instructions)
            {
                if (step.Instruction == "FROM") shell = DefaultShell;
                else if (step.Instruction == "SHELL") shell = JArray.Parse(step.Arguments).Select(t => (string)t!).ToList();
                else if (step.Instruction == "RUN" && !step.Arguments.TrimStart().StartsWith('[')) yield return (step, shell);
            }
        }
    }

    public static readonly IReadOnlyList<string> DefaultShell = ["/bin/sh", "-c"];

    public string Substitute(string value) => ArgReference().Replace(value, m =>
        ArgDefaults.TryGetValue(m.Groups[1].Value.Length > 0 ? m.Groups[1].Value : m.Groups[2].Value, out var v) ? v : m.Value);

    [GeneratedRegex(@"^(\w+)\s*(.*)$", RegexOptions.Singleline)]
    private static partial Regex Instruction();

    [GeneratedRegex(@"^#\s*([A-Za-z]+)\s*=\s*(\S.*)$")]
    private static partial Regex Directive();

    [GeneratedRegex(@"\$\{(\w+)\}|\$(\w+)")]
    private static partial Regex ArgReference();
}
