using Newtonsoft.Json.Linq;
using Platform.Build.Validation;

namespace Platform.Build.GitOps;

/// <summary>One expected result of a `kyverno test` case: a resource (namespace/name or name) of a kind, and pass/fail/skip.</summary>
public sealed record KyvernoExpectation(string Policy, string Kind, string Resource, string Result);

/// <summary>
/// Checks the shape of kyverno/: one folder per policy with policy.yaml, kyverno-test.yaml and its resources, every
/// case with at least one pass and one fail (a generating policy: one pass with the generated resource, one skip, no
/// fail, which the CLI cannot fail), and
/// every folder deployed by kyverno/kustomization.yaml. The `cli.kyverno.io` Test and Values kinds have no schema in
/// the schema folder, so this is their structural check: known fields only, referenced files and resources exist.
/// </summary>
public static class KyvernoTestCases
{
    public const string PolicyFile = "policy.yaml";
    public const string TestFile = "kyverno-test.yaml";
    public const string CliApiVersion = "cli.kyverno.io/v1alpha1";

    /// <summary>Folders under kyverno/ that are not policies (derived variants).</summary>
    public static readonly IReadOnlyList<string> DerivedFolders = ["dev-audit"];

    private static readonly HashSet<string> TestFields =
        ["apiVersion", "kind", "metadata", "policies", "resources", "results", "variables", "userinfo", "exceptions", "values", "checks"];
    private static readonly HashSet<string> ResultFields =
    [
        "policy", "rule", "kind", "resources", "result", "namespace", "generatedResource", "patchedResources", "cloneSourceResource",
        "isValidatingPolicy", "isValidatingAdmissionPolicy", "isMutatingPolicy", "isGeneratingPolicy", "isImageValidatingPolicy",
        "isDeletingPolicy", "resourceSpec",
    ];
    private static readonly HashSet<string> Results = ["pass", "fail", "skip", "warn", "error"];

    public static IReadOnlyList<string> PolicyFolders(string kyvernoDir) =>
        [.. Directory.GetDirectories(kyvernoDir).Select(Path.GetFileName).OfType<string>()
            .Where(d => !DerivedFolders.Contains(d)).Order(StringComparer.Ordinal)];

    /// <summary>All findings over kyverno/; empty when every folder is complete and consistent.</summary>
    public static IReadOnlyList<string> Check(string kyvernoDir)
    {
        var findings = new List<string>();
        var folders = PolicyFolders(kyvernoDir);
        if (folders.Count == 0) findings.Add($"{kyvernoDir}: no policy folders.");
        foreach (var folder in folders) findings.AddRange(CheckFolder(Path.Combine(kyvernoDir, folder)));

        var kustomization = Path.Combine(kyvernoDir, "kustomization.yaml");
        var listed = File.Exists(kustomization)
            ? (YamlManifests.ParseFile(kustomization).Single().Body["resources"] as JArray)?.Select(t => ((string?)t ?? "").TrimEnd('/')).ToList() ?? []
            : [];
        foreach (var folder in folders.Where(f => !listed.Contains(f)))
            findings.Add($"kyverno/kustomization.yaml does not deploy {folder}: add it to resources.");
        return findings;
    }

    /// <summary>The findings of one policy folder.</summary>
    public static IReadOnlyList<string> CheckFolder(string dir)
    {
        var folder = Path.GetFileName(dir);
        var findings = new List<string>();
        var policyPath = Path.Combine(dir, PolicyFile);
        var testPath = Path.Combine(dir, TestFile);
        if (!File.Exists(policyPath)) findings.Add($"{folder}: {PolicyFile} is missing.");
        if (!File.Exists(testPath)) findings.Add($"{folder}: {TestFile} is missing (every policy needs a `kyverno test` case).");
        if (findings.Count > 0) return findings;

        var policies = YamlManifests.ParseFile(policyPath);
        if (policies.Count != 1) return [$"{folder}: {PolicyFile} must hold exactly one policy, it holds {policies.Count}."];
        var policy = policies[0];
        if (policy.Name != folder) findings.Add($"{folder}: the policy is named '{policy.Name}'; name it like its folder.");

        var tests = YamlManifests.ParseFile(testPath);
        if (tests.Count != 1) return [.. findings, $"{folder}: {TestFile} must hold exactly one Test."];
        var test = tests[0];
        if (test.ApiVersion != CliApiVersion || test.Kind != "Test")
            findings.Add($"{folder}: {TestFile} must be apiVersion {CliApiVersion}, kind Test (it is {test.ApiVersion} {test.Kind}).");
        if (test.Name.Length == 0) findings.Add($"{folder}: {TestFile} has no metadata.name.");
        foreach (var field in test.Body.Properties().Select(p => p.Name).Where(f => !TestFields.Contains(f)))
            findings.Add($"{folder}: {TestFile} has an unknown field '{field}'.");

        var policyFiles = Strings(test.Body["policies"]);
        if (!policyFiles.Contains(PolicyFile)) findings.Add($"{folder}: {TestFile} does not test {PolicyFile} (policies: [{string.Join(", ", policyFiles)}]).");
        var resourceFiles = Strings(test.Body["resources"]);
        if (resourceFiles.Count == 0) findings.Add($"{folder}: {TestFile} lists no resources files.");
        var referenced = policyFiles.Concat(resourceFiles).Concat(test.Body["variables"] is JValue v ? [(string)v!] : []);
        foreach (var file in referenced.Where(f => !File.Exists(Path.Combine(dir, f))))
            findings.Add($"{folder}: {TestFile} references {file}, which does not exist.");

        var resources = resourceFiles.Where(f => File.Exists(Path.Combine(dir, f)))
            .SelectMany(f => YamlManifests.ParseFile(Path.Combine(dir, f))).ToList();
        var expectations = Expectations(test, findings, folder);
        foreach (var e in expectations)
        {
            if (e.Policy != policy.Name) findings.Add($"{folder}: a result names policy '{e.Policy}', not '{policy.Name}'.");
            if (!resources.Any(r => r.Kind == e.Kind && Reference(r) == e.Resource))
                findings.Add($"{folder}: result {e.Result} names {e.Kind} '{e.Resource}', which is not in the resources files.");
        }
        var pass = expectations.Count(e => e.Result == "pass");
        if (policy.Kind == "GeneratingPolicy")
        {
            if (pass == 0 || !expectations.Any(e => e.Result == "skip"))
                findings.Add($"{folder}: a generating policy needs at least one pass (with generatedResource) and one skip result.");
            // The kyverno CLI counts an expected `fail` of a generating policy as met whether or not the generated
            // resource matches (and a trigger the policy does not match is reported as excluded), so such a case can
            // never fail: it would only look like coverage.
            if (expectations.Any(e => e.Result == "fail"))
                findings.Add($"{folder}: a generating policy cannot have a fail result: `kyverno test` accepts it whatever the policy " +
                    "generates. Prove the negative with a skip (a trigger it must leave alone) and the exact generatedResource of a pass.");
            foreach (var r in (test.Body["results"] as JArray)?.OfType<JObject>().Where(r => (string?)r["result"] == "pass") ?? [])
                if ((string?)r["generatedResource"] is not { } generated || !File.Exists(Path.Combine(dir, generated)))
                    findings.Add($"{folder}: a pass result of a generating policy must name an existing generatedResource file.");
        }
        else if (pass == 0 || !expectations.Any(e => e.Result == "fail"))
        {
            findings.Add($"{folder}: the test case needs at least one pass and one fail result (it has {pass} pass, " +
                $"{expectations.Count(e => e.Result == "fail")} fail).");
        }
        return findings;
    }

    /// <summary>The expected results of a Test, one per resource.</summary>
    public static IReadOnlyList<KyvernoExpectation> Expectations(ManifestObject test, List<string>? findings = null, string folder = "")
    {
        var list = new List<KyvernoExpectation>();
        var results = test.Body["results"] as JArray;
        if (results is null || results.Count == 0) findings?.Add($"{folder}: {TestFile} has no results.");
        foreach (var result in results?.OfType<JObject>() ?? [])
        {
            foreach (var field in result.Properties().Select(p => p.Name).Where(f => !ResultFields.Contains(f)))
                findings?.Add($"{folder}: a result has an unknown field '{field}'.");
            var outcome = (string?)result["result"] ?? "";
            if (!Results.Contains(outcome)) findings?.Add($"{folder}: result '{outcome}' is not one of {string.Join(", ", Results)}.");
            var resources = Strings(result["resources"]);
            if (resources.Count == 0) findings?.Add($"{folder}: a result lists no resources.");
            list.AddRange(resources.Select(r => new KyvernoExpectation((string?)result["policy"] ?? "", (string?)result["kind"] ?? "", r, outcome)));
        }
        return list;
    }

    /// <summary>How a Test names a resource: namespace/name, or name for cluster-scoped objects.</summary>
    public static string Reference(ManifestObject obj) => obj.Namespace is null ? obj.Name : $"{obj.Namespace}/{obj.Name}";

    private static List<string> Strings(JToken? token) => (token as JArray)?.Select(t => (string?)t ?? "").ToList() ?? [];
}
