using System.Diagnostics;
using Platform.Build.Logging;
using Platform.Build.Tools;

namespace Platform.Build.Validation;

/// <summary>What Validate found for one unit (an overlay, a folder of files).</summary>
public sealed record UnitResult(ManifestUnit Unit, int Objects, IReadOnlyList<Finding> Findings, IReadOnlyList<string> Checks,
    IReadOnlyList<string> Skipped, TimeSpan Duration)
{
    public int Errors => Findings.Count(f => f.Severity == Severity.Error);
    public int Warnings => Findings.Count(f => f.Severity == Severity.Warning);
}

/// <summary>
/// Renders each unit, validates every object against its schema, and folds in the optional external validators
/// (kubeconform, kube-linter) where they are installed.
/// </summary>
/// <param name="render">How a kustomization is rendered (default: kubectl kustomize each time; the Suite shares its renders).</param>
public sealed class ValidationRun(ToolRunner runner, SchemaStore schemas, ExternalValidators external, int parallelism = 0,
    Func<string, CancellationToken, Task<string>>? render = null)
{
    private readonly Func<string, CancellationToken, Task<string>> _render = render ?? ((dir, ct) => ManifestRenderer.RenderYamlAsync(runner, dir, ct));

    public const string KyvernoCliGroup = "cli.kyverno.io";

    /// <param name="expectedKinds">Kinds to compile schemas for while the units render (see ManifestDiscovery.PredictKinds).</param>
    public async Task<IReadOnlyList<UnitResult>> RunAsync(IReadOnlyList<ManifestUnit> units, CancellationToken ct = default,
        IEnumerable<(string Group, string Version, string Kind)>? expectedKinds = null)
    {
        var prefetch = schemas.PrefetchAsync(expectedKinds ?? [], ct);
        var validator = new ObjectValidator(schemas);
        using var gate = new SemaphoreSlim(parallelism > 0 ? parallelism : Math.Max(2, System.Environment.ProcessorCount));
        var tasks = units.Select(async unit =>
        {
            await gate.WaitAsync(ct).ConfigureAwait(false);
            try { return await RunUnitAsync(unit, validator, ct).ConfigureAwait(false); }
            finally { gate.Release(); }
        });
        var results = await Task.WhenAll(tasks).ConfigureAwait(false);
        await prefetch.ConfigureAwait(false);
        return results;
    }

    private async Task<UnitResult> RunUnitAsync(ManifestUnit unit, ObjectValidator validator, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var findings = new List<Finding>();
        var checks = new List<string> { unit.IsKustomization ? "kustomize" : "yaml", ObjectValidator.CheckName };
        var skipped = new List<string>();
        var objects = new List<ManifestObject>();
        string rendered = "";
        try
        {
            if (unit.IsKustomization)
            {
                rendered = await _render(unit.Path, ct).ConfigureAwait(false);
                objects.AddRange(YamlManifests.Parse(rendered, unit.Label + " (rendered)"));
            }
            else
            {
                foreach (var file in unit.Files)
                {
                    var text = await File.ReadAllTextAsync(file, ct).ConfigureAwait(false);
                    var parsed = YamlManifests.Parse(text, Path.GetRelativePath(Path.GetDirectoryName(unit.Path)!, file));
                    // Data files (Helm values) have no apiVersion/kind, and the kyverno CLI's own Test/Values kinds have no
                    // published schema (Validate checks their structure separately): neither is a cluster object.
                    objects.AddRange(parsed.Where(o => (o.Body.ContainsKey("apiVersion") || o.Body.ContainsKey("kind")) && o.Group != KyvernoCliGroup));
                    rendered += text + "\n---\n";
                }
            }
        }
        catch (ToolFailedException e)
        {
            findings.Add(new Finding(Severity.Error, unit.Label, "(render)", "", "kustomize failed: " + e.StandardErrorTail, "kustomize"));
        }
        catch (ManifestParseException e)
        {
            findings.Add(new Finding(Severity.Error, e.File, "(file)", $"line {e.LineNumber}", e.Message, "yaml"));
        }

        foreach (var obj in objects)
            findings.AddRange(await validator.ValidateAsync(obj, ct).ConfigureAwait(false));

        if (objects.Count > 0)
        {
            var (ran, missing, extra) = await external.RunAsync(unit, rendered, ct).ConfigureAwait(false);
            checks.AddRange(ran);
            skipped.AddRange(missing);
            findings.AddRange(extra);
        }
        return new UnitResult(unit, objects.Count, findings, checks, skipped, watch.Elapsed);
    }
}

/// <summary>
/// kubeconform, kube-linter and `trivy config` run on each rendered unit where installed (so they see what the cluster
/// would get, patches applied); a missing one is reported as skipped, or as an error with strictTools.
/// </summary>
public sealed class ExternalValidators(ToolRunner runner, string kubernetesVersion, string? schemaDir, bool strict)
{
    private readonly Dictionary<ToolInfo, bool> _present = new();

    public bool IsInstalled(ToolInfo tool)
    {
        lock (_present)
        {
            if (!_present.TryGetValue(tool, out var found)) _present[tool] = found = runner.Locator.Find(tool) is not null;
            return found;
        }
    }

    public async Task<(IReadOnlyList<string> Ran, IReadOnlyList<string> Skipped, IReadOnlyList<Finding> Findings)> RunAsync(
        ManifestUnit unit, string manifests, CancellationToken ct)
    {
        var ran = new List<string>();
        var skipped = new List<string>();
        var findings = new List<Finding>();

        foreach (var tool in new[] { KnownTools.Kubeconform, KnownTools.KubeLinter, KnownTools.Trivy })
        {
            if (!IsInstalled(tool))
            {
                skipped.Add(tool.Name);
                if (strict)
                    findings.Add(new Finding(Severity.Error, unit.Label, "(tools)", "", $"{tool.Name} is not installed and strictTools is on. {tool.InstallHint}", tool.Name));
                continue;
            }
            ran.Add(tool.Name);
            if (tool == KnownTools.Kubeconform)
            {
                var result = await runner.RunAsync(Kubeconform.Validate(kubernetesVersion, schemaDir, manifests), ct).ConfigureAwait(false);
                findings.AddRange(ParseKubeconform(result.StandardOutput, unit.Label));
            }
            else
            {
                // kube-linter and trivy read files: the rendered unit goes into a private temporary folder.
                var dir = Directory.CreateTempSubdirectory("platform-scan-").FullName;
                try
                {
                    var file = Path.Combine(dir, "manifests.yaml");
                    await File.WriteAllTextAsync(file, manifests, ct).ConfigureAwait(false);
                    if (tool == KnownTools.KubeLinter)
                    {
                        var result = await runner.RunAsync(KubeLinter.Lint(file), ct).ConfigureAwait(false);
                        findings.AddRange(ParseKubeLinter(result.StandardOutput, unit.Label));
                    }
                    else
                    {
                        var result = await runner.RunAsync(Trivy.Config(dir), ct).ConfigureAwait(false);
                        findings.AddRange(ParseTrivy(result.StandardOutput, unit.Label));
                    }
                }
                finally { Directory.Delete(dir, recursive: true); }
            }
        }
        return (ran, skipped, findings);
    }

    /// <summary>kubeconform -output json: {"resources":[{"filename","kind","name","version","status","msg"}]}.</summary>
    internal static IEnumerable<Finding> ParseKubeconform(string json, string label)
    {
        if (string.IsNullOrWhiteSpace(json)) yield break;
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        if (!doc.RootElement.TryGetProperty("resources", out var resources)) yield break;
        foreach (var r in resources.EnumerateArray())
        {
            var status = r.GetProperty("status").GetString();
            if (status is not ("statusInvalid" or "statusError")) continue;
            yield return new Finding(Severity.Error, label, $"{Str(r, "kind")}/{Str(r, "name")}", "", Str(r, "msg"), "kubeconform");
        }
    }

    /// <summary>kube-linter --format json: {"Reports":[{"Check","Object":{"K8sObject":{...}},"Diagnostic":{"Message"}}]}.</summary>
    internal static IEnumerable<Finding> ParseKubeLinter(string json, string label)
    {
        if (string.IsNullOrWhiteSpace(json)) yield break;
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        if (!doc.RootElement.TryGetProperty("Reports", out var reports) || reports.ValueKind != System.Text.Json.JsonValueKind.Array) yield break;
        foreach (var r in reports.EnumerateArray())
        {
            var obj = r.GetProperty("Object").GetProperty("K8sObject");
            var id = $"{Str(obj.GetProperty("GroupVersionKind"), "Kind")}/{Str(obj, "Namespace")}/{Str(obj, "Name")}";
            yield return new Finding(Severity.Warning, label, id, "", Str(r.GetProperty("Diagnostic"), "Message") + $" ({Str(r, "Check")})", "kube-linter");
        }
    }

    /// <summary>
    /// trivy config --format json: {"Results":[{"Target","Misconfigurations":[{"ID","Title","Message","Severity","Status",
    /// "CauseMetadata":{"StartLine"}}]}]}. HIGH and CRITICAL failures are errors, the rest warnings.
    /// </summary>
    internal static IEnumerable<Finding> ParseTrivy(string json, string label)
    {
        if (string.IsNullOrWhiteSpace(json)) yield break;
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        if (!doc.RootElement.TryGetProperty("Results", out var results) || results.ValueKind != System.Text.Json.JsonValueKind.Array) yield break;
        foreach (var result in results.EnumerateArray())
        {
            if (!result.TryGetProperty("Misconfigurations", out var misconfigurations) || misconfigurations.ValueKind != System.Text.Json.JsonValueKind.Array) continue;
            foreach (var m in misconfigurations.EnumerateArray())
            {
                if (Str(m, "Status") is { Length: > 0 } status && status != "FAIL") continue;
                var severity = Str(m, "Severity") is "HIGH" or "CRITICAL" ? Severity.Error : Severity.Warning;
                var line = m.TryGetProperty("CauseMetadata", out var cause) && cause.TryGetProperty("StartLine", out var start) &&
                           start.ValueKind == System.Text.Json.JsonValueKind.Number && start.GetInt32() > 0 ? $"line {start.GetInt32()}" : "";
                var message = Str(m, "Message") is { Length: > 0 } text ? text : Str(m, "Title");
                yield return new Finding(severity, label, Str(m, "ID"), line, $"{message} ({Str(m, "Severity")})", "trivy");
            }
        }
    }

    private static string Str(System.Text.Json.JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.String ? v.GetString() ?? "" : "";
}
