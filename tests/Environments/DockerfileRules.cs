using System.Text.RegularExpressions;

namespace Platform.Build.Tests.Environments;

/// <summary>
/// hadolint's common rules that apply to the project's Dockerfiles, checked offline (hadolint itself runs in Lint
/// where it is installed, and is not installable here). Codes are hadolint's; "syntax" is the project's rule that the
/// frontend directive, if present, is pinned. An inline `# hadolint ignore=DLxxxx` pragma directly above an
/// instruction suppresses a finding only when a comment of the same block names the rule and says why.
/// </summary>
internal static partial class DockerfileRules
{
    public const string FrontendPin = "syntax";

    /// <summary>One message per broken rule, each starting with the rule code and naming the line.</summary>
    public static IReadOnlyList<string> Findings(Dockerfile file)
    {
        var findings = new List<string>();
        var suppressed = new HashSet<(int Line, string Rule)>();

        foreach (var step in file.Instructions)
        {
            var pragma = step.Comments.Count > 0 ? IgnorePragma().Match(step.Comments[^1]) : Match.Empty;
            if (!pragma.Success) continue;
            foreach (var rule in pragma.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (step.Comments.SkipLast(1).Any(c => c.Contains(rule, StringComparison.Ordinal))) suppressed.Add((step.Line, rule));
                else findings.Add($"{rule} line {step.Line}: ignored by a pragma without a comment above it that names {rule} and says why.");
            }
        }
        void Add(DockerfileStep step, string rule, string message)
        {
            if (!suppressed.Contains((step.Line, rule))) findings.Add($"{rule} line {step.Line}: {message}");
        }

        if (file.Directives.TryGetValue("syntax", out var syntax) && !PinnedFrontend().IsMatch(syntax))
            findings.Add($"{FrontendPin} line 1: the frontend '{syntax}' moves; pin a release (docker/dockerfile:X.Y.Z, optionally @sha256:<digest>) or drop the directive.");

        var stages = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var step in file.Instructions.Where(i => i.Instruction == "FROM"))
        {
            var parts = step.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var image = parts[0];
            var name = image.Split('@')[0];
            var tag = name.LastIndexOf(':') > name.LastIndexOf('/') ? name[(name.LastIndexOf(':') + 1)..] : null;
            if (image.Contains('@') || image == "scratch" || stages.Contains(image)) { }
            else if (tag is null) Add(step, "DL3006", $"FROM {image} has no explicit tag (an ARG holding the whole reference hides it).");
            else if (tag == "latest") Add(step, "DL3007", $"FROM {image} uses latest.");
            if (parts.Length == 3 && parts[1].Equals("AS", StringComparison.OrdinalIgnoreCase)) stages.Add(parts[2]);
        }

        foreach (var (step, shell) in file.ShellRuns)
        {
            var script = step.Arguments;
            if (Pipe().IsMatch(script) && !PipefailShell().IsMatch(string.Join(' ', shell)) && !script.TrimStart().StartsWith("set -o pipefail", StringComparison.Ordinal))
                Add(step, "DL4006", "RUN has a pipe but the shell is not run with -o pipefail; add SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"] before it.");

            var installs = AptInstalls(script).ToList();
            foreach (var install in installs)
            {
                if (!install.Options.Any(o => o is "-y" or "--yes" or "--assume-yes" or "-qq" || Regex.IsMatch(o, "^-[a-z]*y[a-z]*$")))
                    Add(step, "DL3014", "apt-get install without -y.");
                if (!install.Options.Contains("--no-install-recommends"))
                    Add(step, "DL3015", "apt-get install without --no-install-recommends.");
                foreach (var package in install.Packages.Where(p => !p.Contains('=') && !p.EndsWith(".deb", StringComparison.Ordinal)))
                    Add(step, "DL3008", $"apt package '{package}' is not pinned (package=version).");
            }
            if (installs.Count > 0 && !AptListsRemoved().IsMatch(script))
                Add(step, "DL3009", "apt-get install without removing /var/lib/apt/lists/* in the same RUN.");
        }

        foreach (var step in file.Instructions.Where(i => i.Instruction is "CMD" or "ENTRYPOINT"))
            if (!step.Arguments.TrimStart().StartsWith('['))
                Add(step, "DL3025", $"{step.Instruction} is in shell form; use the JSON (exec) form.");
        return findings;
    }

    /// <summary>The options and package names of every `apt-get install` in a shell script.</summary>
    internal static IEnumerable<(IReadOnlyList<string> Options, IReadOnlyList<string> Packages)> AptInstalls(string script)
    {
        foreach (var command in CommandSeparator().Split(script.Replace("\\\n", " ")))
        {
            var words = command.Split((char[])[' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries).ToList();
            var apt = words.IndexOf("apt-get");
            var install = apt < 0 ? -1 : words.IndexOf("install", apt);
            if (install < 0) continue;
            var options = new List<string>();
            var packages = new List<string>();
            for (var i = apt + 1; i < words.Count; i++)
            {
                if (i == install) continue;
                if (words[i] == "-o") { i++; continue; }
                if (words[i].StartsWith('-')) options.Add(words[i]);
                else if (i > install) packages.Add(words[i]);
            }
            yield return (options, packages);
        }
    }

    [GeneratedRegex(@"^hadolint\s+ignore=([A-Z0-9, ]+)$")]
    private static partial Regex IgnorePragma();

    [GeneratedRegex(@"^([\w.\-]+(:\d+)?/)*[\w.\-]+:\d+\.\d+\.\d+(@sha256:[0-9a-f]{64})?$")]
    private static partial Regex PinnedFrontend();

    [GeneratedRegex(@"(?<!\|)\|(?!\|)")]
    private static partial Regex Pipe();

    [GeneratedRegex(@"(^|\s)-[a-z]*o\s+pipefail(\s|$)")]
    private static partial Regex PipefailShell();

    [GeneratedRegex(@"rm\s+-(rf|fr)\s+/var/lib/apt/lists/\*")]
    private static partial Regex AptListsRemoved();

    [GeneratedRegex(@";|&&|\|\||\||\n")]
    private static partial Regex CommandSeparator();
}
