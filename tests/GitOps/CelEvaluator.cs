using CliWrap;
using CliWrap.Buffered;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using Platform.Build.Tests.Support;
using Platform.Build.Validation;

namespace Platform.Build.Tests.GitOps;

/// <summary>The outcome of one policy on one object: pass, fail (with messages) or error (the CEL did not evaluate).</summary>
public sealed record CelResult(string Id, string Result, IReadOnlyList<string> Messages, JObject Variables);

/// <summary>
/// Evaluates the CEL of the policy files themselves (variables, then validations) with a real CEL implementation
/// (cel-js, tests/GitOps/Cel, pinned in its package-lock.json) under Node.js, which this machine kind provides. The
/// matching (resource kinds, namespace selector by name) is read from each policy's matchConstraints here.
/// </summary>
internal static class CelEvaluator
{
    public static string Folder => Repo.PathOf("tests", "GitOps", "Cel");

    private static readonly Lazy<string?> Node = new(() =>
        (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, "node")).FirstOrDefault(File.Exists));

    private static readonly SemaphoreSlim InstallGate = new(1, 1);

    /// <summary>Installs cel-js from the lock file when missing (CI does it in .ci/setup.d/50-gitops.sh); ignores the test without Node.js.</summary>
    public static async Task EnsureReadyAsync()
    {
        if (Node.Value is null) Assert.Ignore("Node.js is not installed: the CEL of the policies is checked by the C# twins only.");
        await InstallGate.WaitAsync();
        try
        {
            if (Directory.Exists(Path.Combine(Folder, "node_modules", "@marcbachmann", "cel-js"))) return;
            var npm = Path.Combine(Path.GetDirectoryName(Node.Value)!, "npm");
            var result = await Cli.Wrap(npm).WithArguments(["ci", "--no-audit", "--no-fund"]).WithWorkingDirectory(Folder)
                .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
            Assert.That(result.ExitCode, Is.Zero, $"npm ci in {Folder} failed:\n{result.StandardError}");
        }
        finally
        {
            InstallGate.Release();
        }
    }

    /// <summary>A policy file's CEL and match rules, ready to evaluate.</summary>
    public sealed record Policy(string Name, JObject Spec)
    {
        public static Policy From(ManifestObject policy) => new(policy.Name, (JObject)policy.Body["spec"]!);

        public JArray Variables => Spec["variables"] as JArray ?? [];
        public JArray Validations => Spec["validations"] as JArray ?? [];

        /// <summary>Whether matchConstraints select this object: its resource (group, plural) and the namespace (by name).</summary>
        public bool Matches(ManifestObject obj, string ns)
        {
            var constraints = (JObject)Spec["matchConstraints"]!;
            var resource = Plural(obj.Kind);
            var kindMatches = ((JArray)constraints["resourceRules"]!).OfType<JObject>().Any(r =>
                r["apiGroups"]!.Values<string>().Contains(obj.Group) && r["resources"]!.Values<string>().Contains(resource));
            if (!kindMatches) return false;
            var selector = constraints["namespaceSelector"] as JObject;
            if (selector is null) return true;
            if (selector["matchLabels"] is not null) throw new NotSupportedException($"{Name}: namespaceSelector.matchLabels is not modelled here.");
            var name = obj.Kind == "Namespace" ? obj.Name : ns;
            foreach (var e in (selector["matchExpressions"] as JArray)?.OfType<JObject>() ?? [])
            {
                if ((string?)e["key"] != "kubernetes.io/metadata.name") throw new NotSupportedException($"{Name}: only name selectors are modelled.");
                var values = e["values"]!.Values<string>().ToList();
                var inList = values.Contains(name);
                if ((string?)e["operator"] == "In" ? !inList : inList) return false;
            }
            return true;
        }

        private static string Plural(string kind) => kind switch
        {
            "Pod" => "pods",
            "Deployment" => "deployments",
            "StatefulSet" => "statefulsets",
            "DaemonSet" => "daemonsets",
            "ReplicaSet" => "replicasets",
            "Job" => "jobs",
            "CronJob" => "cronjobs",
            "Application" => "applications",
            "Namespace" => "namespaces",
            _ => kind.ToLowerInvariant() + "s",
        };
    }

    /// <summary>One evaluation: the policy's variables and validations on an object in a namespace.</summary>
    public sealed record Case(string Id, Policy Policy, ManifestObject Object, string Namespace);

    public static async Task<IReadOnlyDictionary<string, CelResult>> EvaluateAsync(IEnumerable<Case> cases)
    {
        await EnsureReadyAsync();
        var input = new JObject
        {
            ["cases"] = new JArray(cases.Select(c => new JObject
            {
                ["id"] = c.Id,
                ["variables"] = c.Policy.Variables,
                ["validations"] = c.Policy.Validations,
                ["object"] = c.Object.Body,
                ["request"] = new JObject { ["namespace"] = c.Namespace, ["operation"] = "CREATE", ["kind"] = new JObject { ["kind"] = c.Object.Kind } },
            })),
        };
        var result = await Cli.Wrap(Node.Value!).WithArguments([Path.Combine(Folder, "evaluate.mjs")]).WithWorkingDirectory(Folder)
            .WithStandardInputPipe(PipeSource.FromString(input.ToString(Formatting.None)))
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        Assert.That(result.ExitCode, Is.Zero, "evaluate.mjs failed:\n" + result.StandardError);
        return JArray.Parse(result.StandardOutput).OfType<JObject>().Select(r => new CelResult((string)r["id"]!, (string)r["result"]!,
                r["messages"]!.Values<string>().OfType<string>().ToList(), (JObject)r["variables"]!))
            .ToDictionary(r => r.Id);
    }
}
