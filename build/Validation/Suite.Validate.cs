using System.Diagnostics;
using Platform.Build.Reporting;
using Platform.Build.Tools;
using Platform.Build.Validation;
using Spectre.Console;

namespace Platform.Build;

public sealed partial class Suite
{
    /// <summary>The default target: render and strictly validate every manifest folder, offline.</summary>
    public void Validate() => Run(ValidateAsync);

    private async Task ValidateAsync()
    {
        var watch = Stopwatch.StartNew();
        var units = ManifestDiscovery.Discover(RepositoryRoot);
        if (units.Count == 0)
        {
            Summary.Add("Validate", "manifests", StepStatus.Skipped, "no k8s/, argocd/ or kyverno/ content yet");
            return;
        }

        var schemas = CreateSchemaStore();
        Log.Info($"Validating {units.Count} unit(s) against Kubernetes {KubernetesMinor} and CRD schemas from {schemas.Source.Description}");
        var external = new ExternalValidators(Runner, Settings.Get("kubernetes.version"), SchemaFolder, Settings.GetBool("strictTools"));
        var results = await new ValidationRun(Runner, schemas, external, render: RenderOnceAsync)
            .RunAsync(units, default, ManifestDiscovery.PredictKinds(RepositoryRoot)).ConfigureAwait(false);
        var folderChecks = await RunFolderToolsAsync().ConfigureAwait(false);
        var stale = ConfigurationStaleness();
        await WarnOfUnpinnedDigestsAsync().ConfigureAwait(false);
        var gitOps = await GitOpsCrossChecksAsync().ConfigureAwait(false);

        foreach (var finding in results.SelectMany(r => r.Findings).Concat(folderChecks.Findings))
        {
            if (finding.Severity == Severity.Error) Log.Error(finding.ToString());
            else Log.Warn(finding.ToString());
        }
        foreach (var message in stale.Concat(gitOps ?? [])) Log.Error(message);

        var table = new Table().Title("Validate").AddColumns("Folder", "Objects", "Errors", "Warnings", "Checks run", "Skipped");
        foreach (var r in results)
        {
            table.AddRow(Markup.Escape(r.Unit.Label), r.Objects.ToString(), r.Errors == 0 ? "0" : $"[red]{r.Errors}[/]",
                r.Warnings.ToString(), string.Join(", ", r.Checks), r.Skipped.Count == 0 ? "" : string.Join(", ", r.Skipped) + " (not installed)");
            Summary.Add("Validate", r.Unit.Label, r.Errors > 0 ? StepStatus.Failed : StepStatus.Passed,
                $"{r.Objects} objects, {r.Errors} errors, {r.Warnings} warnings", r.Duration);
        }
        if (gitOps is not null)
            Summary.Add("Validate", "GitOps cross-checks", gitOps.Count == 0 ? StepStatus.Passed : StepStatus.Failed,
                gitOps.Count == 0 ? "Argo CD tree, Kyverno policies on every environment, add-ons the environments use" : $"{gitOps.Count} finding(s)");
        foreach (var (tool, status) in folderChecks.Status)
            Summary.Add("Validate", tool, status.StartsWith("skipped", StringComparison.Ordinal) ? StepStatus.Skipped
                : status.StartsWith("failed", StringComparison.Ordinal) ? StepStatus.Failed : StepStatus.Passed, status);
        Log.Write(table);

        var junit = OutputPath("validate.junit.xml");
        JUnitReport.Write(junit, results.Select(r => new JUnitSuite("validate." + r.Unit.Label,
            r.Findings.Count == 0
                ? [new JUnitCase($"{r.Objects} objects valid", r.Unit.Label, r.Duration)]
                : r.Findings.Select(f => new JUnitCase($"{f.Object} {f.Path}".Trim(), r.Unit.Label, TimeSpan.Zero,
                    f.Severity == Severity.Error ? f.ToString() : null)).ToList()))
            .Append(new JUnitSuite("validate.configuration", stale.Count == 0
                ? [new JUnitCase("settings-derived files are current", "configuration", TimeSpan.Zero)]
                : stale.Select(s => new JUnitCase("stale", "configuration", TimeSpan.Zero, s)).ToList()))
            .Concat(gitOps is null ? [] : [new JUnitSuite("validate.gitops", gitOps.Count == 0
                ? [new JUnitCase("GitOps cross-checks hold", "gitops", TimeSpan.Zero)]
                : gitOps.Select(f => new JUnitCase("cross-check", "gitops", TimeSpan.Zero, f)).ToList())]));
        Log.Info($"JUnit report: {Path.GetRelativePath(RepositoryRoot, junit)} ({watch.Elapsed.TotalSeconds:0.0}s)");

        var errors = results.Sum(r => r.Errors) + folderChecks.Findings.Count(f => f.Severity == Severity.Error) + stale.Count + (gitOps?.Count ?? 0);
        if (errors > 0) throw new ValidationFailedException(errors);
    }

    /// <summary>
    /// Times the whole Validate target (render, schemas, external validators, staleness checks, report) against a bare
    /// `kubectl kustomize` of the same kustomizations, median of 3 runs each. Each Validate run is a fresh quiet suite, so
    /// it shares no render or schema with the one before.
    /// </summary>
    public void BenchmarkValidate() => Run(async () =>
    {
        var units = ManifestDiscovery.Discover(RepositoryRoot);
        var kustomizations = units.Where(u => u.IsKustomization).ToList();
        if (kustomizations.Count == 0) throw new InvalidOperationException("Nothing to benchmark: no kustomization under k8s/, argocd/ or kyverno/.");
        var quiet = new ToolRunner(new Logging.RecordingLog(), Runner.Locator);

        async Task<TimeSpan> Time(Func<Task> work)
        {
            var times = new List<TimeSpan>();
            for (var i = 0; i < 3; i++)
            {
                var w = Stopwatch.StartNew();
                await work().ConfigureAwait(false);
                times.Add(w.Elapsed);
            }
            return times.Order().ElementAt(1);
        }

        var parallelism = Math.Max(2, System.Environment.ProcessorCount);
        var render = await Time(async () =>
        {
            using var gate = new SemaphoreSlim(parallelism);
            await Task.WhenAll(kustomizations.Select(async u =>
            {
                await gate.WaitAsync().ConfigureAwait(false);
                try { await ManifestRenderer.RenderYamlAsync(quiet, u.Path).ConfigureAwait(false); }
                finally { gate.Release(); }
            })).ConfigureAwait(false);
        }).ConfigureAwait(false);
        var validate = await Time(async () =>
        {
            var fresh = new Suite(Settings, new Logging.RecordingLog(), quiet, Environment);
            fresh.StalenessChecks.Clear();
            fresh.StalenessChecks.AddRange(StalenessChecks);
            try { await fresh.ValidateAsync().ConfigureAwait(false); }
            catch (ValidationFailedException) { /* findings cost the same to find; the benchmark times, Validate judges */ }
        }).ConfigureAwait(false);

        var ratio = validate.TotalSeconds / render.TotalSeconds;
        var table = new Table().Title("Validate benchmark (median of 3)").AddColumns("Measure", "Value");
        table.AddRow("kustomizations", kustomizations.Count.ToString());
        table.AddRow("bare kubectl kustomize", $"{render.TotalMilliseconds:0} ms");
        table.AddRow("units (kustomizations and loose-file folders)", units.Count.ToString());
        table.AddRow("Validate target (render, schemas, tools, report)", $"{validate.TotalMilliseconds:0} ms");
        table.AddRow("ratio (goal <= 1.5)", $"{ratio:0.00}");
        Log.Write(table);
        Summary.Add("Benchmark", "Validate / render", ratio <= 1.5 ? StepStatus.Passed : StepStatus.Warning, $"ratio {ratio:0.00} ({validate.TotalMilliseconds:0} ms vs {render.TotalMilliseconds:0} ms)");
    });

    private string KubernetesMinor => string.Join('.', Settings.Get("kubernetes.version").Split('.').Take(2));

    private string? SchemaFolder => Settings.Has("schemaDir") ? Settings.GetPath("schemaDir") : null;

    private SchemaStore CreateSchemaStore()
    {
        ISchemaSource source = SchemaFolder is { } folder
            ? new FolderSchemaSource(folder)
            : new SchemaCache(Settings.Has("schemaCache") ? Settings.GetPath("schemaCache") : SchemaCache.DefaultRoot(), Settings.Get("kubernetes.version"));
        return new SchemaStore(source, KubernetesMinor);
    }

    /// <summary>Folder-level validators: the kyverno test-case structure and `kyverno test` over kyverno/.</summary>
    private async Task<(IReadOnlyList<Finding> Findings, IReadOnlyList<(string Tool, string Status)> Status)> RunFolderToolsAsync()
    {
        var findings = new List<Finding>();
        var status = new List<(string, string)>();
        var strict = Settings.GetBool("strictTools");
        var kyvernoDir = Path.Combine(RepositoryRoot, "kyverno");

        if (Directory.Exists(kyvernoDir))
        {
            // cli.kyverno.io Test/Values have no published schema: their structure is checked here, on every machine.
            var problems = GitOps.KyvernoTestCases.Check(kyvernoDir);
            findings.AddRange(problems.Select(p => new Finding(Severity.Error, "kyverno", "(test cases)", "", p, "kyverno-test-cases")));
            status.Add(("kyverno test cases", problems.Count == 0 ? "passed (structure: policy, test, pass and fail resources)" : $"failed ({problems.Count})"));
        }

        if (!Directory.Exists(kyvernoDir)) return (findings, status);
        var tool = KnownTools.Kyverno;
        if (Runner.Locator.Find(tool) is null)
        {
            status.Add((tool.Name, "skipped (not installed)"));
            if (strict) findings.Add(new Finding(Severity.Error, "kyverno", "(tools)", "", $"{tool.Name} is not installed and strictTools is on. {tool.InstallHint}", tool.Name));
            return (findings, status);
        }
        try
        {
            await Runner.RunAsync(KyvernoCli.Test(kyvernoDir)).ConfigureAwait(false);
            status.Add((tool.Name, "passed"));
        }
        catch (ToolFailedException e)
        {
            findings.Add(new Finding(Severity.Error, "kyverno", "(folder)", "", e.Message, tool.Name));
            status.Add((tool.Name, "failed"));
        }
        return (findings, status);
    }

    /// <summary>
    /// Environments that must run images pinned by digest (acc) and are not yet: a warning here, offline, so nobody
    /// learns it from the admission policy (kyverno/require-image-digest) at deploy time. Not an error: the digest
    /// slots stay empty in Git until a release resolves them from the registry.
    /// </summary>
    private async Task WarnOfUnpinnedDigestsAsync()
    {
        foreach (var env in Settings.SelectedEnvironments)
        {
            var dir = Environments.EnvironmentConfiguration.OverlayDirectory(RepositoryRoot, env);
            if (!ManifestRenderer.IsKustomization(dir)) continue;
            IReadOnlyList<ManifestObject> objects;
            try { objects = YamlManifests.Parse(await RenderOnceAsync(dir).ConfigureAwait(false), env); }
            catch (Exception e) when (e is ToolFailedException or ManifestParseException) { continue; } // reported by the unit's own row
            var unpinned = Environments.EnvironmentImages.FindUndigested(objects);
            foreach (var message in unpinned) Log.Warn($"{env}: {message}");
            if (unpinned.Count > 0)
                Summary.Add("Validate", $"{env} image digests", StepStatus.Warning,
                    $"{unpinned.Count} image(s) not pinned by digest yet; required before {env} is deployed");
        }
    }

    /// <summary>
    /// The GitOps cross-checks (GitOps.GitOpsCrossChecks) over the renders Validate already made, plus the paths of the
    /// platform Applications. Null where the repository has no Argo CD tree (argocd/root), or a render failed (that
    /// unit's own row reports it).
    /// </summary>
    private async Task<IReadOnlyList<string>?> GitOpsCrossChecksAsync()
    {
        var root = Path.Combine(RepositoryRoot, "argocd", "root");
        var apps = Path.Combine(RepositoryRoot, "argocd", "apps");
        if (!ManifestRenderer.IsKustomization(root) || !ManifestRenderer.IsKustomization(apps)) return null;
        try
        {
            async Task<IReadOnlyList<ManifestObject>> Render(string dir) =>
                YamlManifests.Parse(await RenderOnceAsync(dir).ConfigureAwait(false), Path.GetRelativePath(RepositoryRoot, dir));
            var appObjects = await Render(apps).ConfigureAwait(false);
            var rootObjects = await Render(root).ConfigureAwait(false);
            var argo = GitOps.GitOpsCrossChecks.ArgoTree(appObjects, rootObjects);

            var environments = new Dictionary<string, IReadOnlyList<ManifestObject>>(StringComparer.Ordinal);
            foreach (var env in Settings.SelectedEnvironments)
            {
                var dir = Environments.EnvironmentConfiguration.OverlayDirectory(RepositoryRoot, env);
                if (ManifestRenderer.IsKustomization(dir)) environments[env] = await Render(dir).ConfigureAwait(false);
            }
            var platformApps = new Dictionary<string, IReadOnlyList<ManifestObject>>(StringComparer.Ordinal);
            var paths = GitOps.GitOpsCrossChecks.PlatformAppPaths(argo);
            var renders = await Task.WhenAll(paths.Select(async p =>
            {
                var dir = Path.Combine(RepositoryRoot, p.Value);
                return (p.Key, Objects: ManifestRenderer.IsKustomization(dir) ? await Render(dir).ConfigureAwait(false) : []);
            })).ConfigureAwait(false);
            foreach (var (name, objects) in renders) platformApps[name] = objects;
            return GitOps.GitOpsCrossChecks.Run(new GitOps.GitOpsInputs(argo, environments, platformApps,
                relative => GitOps.GitOpsCrossChecks.ReadValues(RepositoryRoot, relative),
                Settings.GetList("images.allowedRegistries")));
        }
        catch (Exception e) when (e is ToolFailedException or ManifestParseException) { return null; }
    }

    /// <summary>Settings-derived files in Git (hosts, repository URL) that no longer match the settings.</summary>
    private IReadOnlyList<string> ConfigurationStaleness() =>
        StalenessChecks.SelectMany(check => check(Settings)).ToList();

    /// <summary>Each concern that writes settings-derived files registers its staleness check here.</summary>
    internal List<Func<Settings.PlatformSettings, IEnumerable<string>>> StalenessChecks { get; } =
    [
        Environments.EnvironmentConfiguration.FindStale,
        GitOps.GitOpsConfiguration.FindStale,
    ];
}

public sealed class ValidationFailedException(int errors)
    : Exception($"Validate found {errors} error(s); each is listed above with its file, object and path.");
