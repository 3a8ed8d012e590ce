using System.Text.RegularExpressions;

namespace Platform.Build.Tests.Environments;

/// <summary>A Dockerfile read the way BuildKit reads it: continuation lines joined, comments dropped, ARG defaults.</summary>
internal sealed partial record Dockerfile(IReadOnlyList<(string Instruction, string Arguments)> Instructions)
{
    public static Dockerfile Parse(string text)
    {
        var instructions = new List<(string, string)>();
        var current = "";
        foreach (var raw in text.ReplaceLineEndings("\n").Split('\n'))
        {
            var line = raw.TrimEnd();
            if (current.Length == 0 && (line.TrimStart().StartsWith('#') || line.Trim().Length == 0)) continue;
            if (current.Length > 0 && line.TrimStart().StartsWith('#')) continue; // comment inside a continuation
            if (line.EndsWith('\\')) { current += line[..^1] + "\\\n"; continue; }
            current += line;
            var m = Instruction().Match(current.Trim());
            instructions.Add((m.Groups[1].Value.ToUpperInvariant(), m.Groups[2].Value));
            current = "";
        }
        return new(instructions);
    }

    public IReadOnlyDictionary<string, string> ArgDefaults =>
        Instructions.Where(i => i.Instruction == "ARG" && i.Arguments.Contains('='))
            .Select(i => i.Arguments.Split('=', 2)).GroupBy(p => p[0].Trim()).ToDictionary(g => g.Key, g => g.First()[1].Trim());

    /// <summary>FROM images with ARG defaults substituted.</summary>
    public IEnumerable<string> BaseImages =>
        Instructions.Where(i => i.Instruction == "FROM").Select(i => Substitute(i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]));

    /// <summary>Shell-form RUN bodies, with the continuation lines as the shell sees them.</summary>
    public IEnumerable<string> RunScripts =>
        Instructions.Where(i => i.Instruction == "RUN" && !i.Arguments.TrimStart().StartsWith('[')).Select(i => i.Arguments);

    public string Substitute(string value) => ArgReference().Replace(value, m =>
        ArgDefaults.TryGetValue(m.Groups[1].Value.Length > 0 ? m.Groups[1].Value : m.Groups[2].Value, out var v) ? v : m.Value);

    [GeneratedRegex(@"^(\w+)\s*(.*)$", RegexOptions.Singleline)]
    private static partial Regex Instruction();

    [GeneratedRegex(@"\$\{(\w+)\}|\$(\w+)")]
    private static partial Regex ArgReference();
}
