using System.Diagnostics;
using Platform.Build.Reporting;
using Platform.Build.Tools;

namespace Platform.Build;

public sealed partial class Suite
{
    /// <summary>terraform fmt, yamllint, shellcheck and dotnet format; every finding names file and line.</summary>
    public void Lint() => Run(async () =>
    {
        var failures = new List<string>();
        foreach (var (name, command, parse) in LintPlan(RepositoryRoot))
        {
            var watch = Stopwatch.StartNew();
            if (command is null)
            {
                Summary.Add("Lint", name, StepStatus.Skipped, parse(""));
                continue;
            }
            if (Runner.Locator.Find(command.Tool) is null && command.Tool.RequiredFor.Count == 0)
            {
                Summary.Add("Lint", name, StepStatus.Skipped, $"{command.Tool.Name} not installed");
                continue;
            }
            var result = await Runner.RunAsync(command).ConfigureAwait(false);
            var findings = result.ExitCode == 0 ? "" : parse(result.StandardOutput + result.StandardError);
            if (result.ExitCode != 0 && findings.Length == 0) findings = $"{command.Tool.Name} exited {result.ExitCode}";
            if (findings.Length > 0)
            {
                Log.Error($"{name}:\n{findings}");
                failures.Add(name);
            }
            Summary.Add("Lint", name, findings.Length > 0 ? StepStatus.Failed : StepStatus.Passed,
                findings.Length > 0 ? $"{findings.Split('\n').Length} finding line(s)" : "clean", watch.Elapsed);
        }
        if (failures.Count > 0) throw new InvalidOperationException($"Lint failed: {string.Join(", ", failures)} (findings above name file and line).");
    });

    /// <summary>
    /// What Lint runs, as data. A null command means the check does not apply (its parse function gives the reason).
    /// </summary>
    internal static IReadOnlyList<(string Name, ToolCommand? Command, Func<string, string> Findings)> LintPlan(string root)
    {
        var plan = new List<(string, ToolCommand?, Func<string, string>)>();
        var terraformDir = Path.Combine(root, "terraform");
        plan.Add(Directory.Exists(terraformDir)
            ? ("terraform fmt", TerraformCli.FormatCheck(terraformDir), output => output.Trim().Length == 0 ? "" : "files not formatted (run terraform fmt -recursive terraform):\n" + output.Trim())
            : ("terraform fmt", null, _ => "no terraform/ folder"));

        var yamlPaths = new[] { "k8s", "argocd", "kyverno", ".github", "settings.yaml", "terraform" }
            .Select(p => Path.Combine(root, p)).Where(p => Directory.Exists(p) || File.Exists(p)).ToList();
        plan.Add(("yamllint", Yamllint.Check(Path.Combine(root, ".yamllint.yaml"), yamlPaths), output => output.Trim()));

        var scripts = ShellScripts(root).ToList();
        plan.Add(scripts.Count > 0
            ? ("shellcheck", Shellcheck.Check(scripts), output => output.Trim())
            : ("shellcheck", null, _ => "no shell scripts"));

        var dockerfiles = Directory.Exists(Path.Combine(root, "images"))
            ? Directory.EnumerateFiles(Path.Combine(root, "images"), "Dockerfile", SearchOption.AllDirectories).ToList()
            : [];
        var hadolintConfig = Path.Combine(root, ".hadolint.yaml");
        if (dockerfiles.Count > 0)
            plan.Add(("hadolint", new ToolCommand(KnownTools.Hadolint,
                    ["--format", "tty", .. File.Exists(hadolintConfig) ? new[] { "--config", hadolintConfig } : [], .. dockerfiles])
            { StreamOutput = false, SuccessExitCodes = [0, 1] },
                output => output.Trim()));

        plan.Add(("dotnet format", DotNetCli.FormatVerify(Path.Combine(root, "Platform.slnx")), output => output.Trim()));
        return plan;
    }

    /// <summary>
    /// Every shell script in the repository, skipping build outputs: *.sh files, and files without an extension whose
    /// first line is a sh or bash shebang (.ci/run, the lab's stand-ins).
    /// </summary>
    internal static IEnumerable<string> ShellScripts(string root)
    {
        string[] skip = ["bin", "obj", ".build", ".git", "artifacts", ".terraform", "node_modules"];
        foreach (var f in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var parts = Path.GetRelativePath(root, f).Split(Path.DirectorySeparatorChar);
            if (parts.Any(p => skip.Contains(p))) continue;
            if (f.EndsWith(".sh", StringComparison.Ordinal) || (Path.GetExtension(f).Length == 0 && HasShellShebang(f))) yield return f;
        }
    }

    private static bool HasShellShebang(string file)
    {
        using var reader = new StreamReader(file);
        var first = reader.ReadLine() ?? "";
        if (!first.StartsWith("#!", StringComparison.Ordinal)) return false;
        var words = first[2..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var interpreter = words.Length == 0 ? "" : Path.GetFileName(words[0]);
        if (interpreter == "env" && words.Length > 1) interpreter = words[1];
        return interpreter is "sh" or "bash";
    }
}
