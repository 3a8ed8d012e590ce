namespace Platform.Build.Tools;

// Thin wrappers: each method returns the ToolCommand it would run, so argument construction is unit-tested
// without running anything. ToolRunner runs them.

public static class Kubectl
{
    public static ToolCommand Kustomize(string dir) =>
        new(KnownTools.Kubectl, ["kustomize", dir]) { StreamOutput = false, Timeout = TimeSpan.FromMinutes(2) };

    public static ToolCommand Apply(string kubeconfig, string fileOrDir, bool serverSide = true, string? fieldManager = "platform-build") =>
        new(KnownTools.Kubectl, ["--kubeconfig", kubeconfig, "apply", .. serverSide ? new[] { "--server-side", $"--field-manager={fieldManager}" } : [], "-f", fileOrDir]);

    public static ToolCommand ApplyKustomize(string kubeconfig, string dir) =>
        new(KnownTools.Kubectl, ["--kubeconfig", kubeconfig, "apply", "--server-side", "--field-manager=platform-build", "-k", dir]);

    public static ToolCommand Wait(string kubeconfig, string resource, string condition, string? ns, TimeSpan timeout) =>
        new(KnownTools.Kubectl, ["--kubeconfig", kubeconfig, "wait", resource, $"--for={condition}",
            $"--timeout={(int)timeout.TotalSeconds}s", .. ns is null ? [] : new[] { "-n", ns }])
        { Timeout = timeout + TimeSpan.FromSeconds(30) };

    public static ToolCommand Get(string kubeconfig, string resource, string? ns = null) =>
        new(KnownTools.Kubectl, ["--kubeconfig", kubeconfig, "get", resource, "-o", "json", .. ns is null ? [] : new[] { "-n", ns }]) { StreamOutput = false };
}

public static class Helm
{
    public static ToolCommand UpgradeInstall(string kubeconfig, string release, string chart, string version, string ns,
        string? repo = null, IEnumerable<string>? valuesFiles = null, TimeSpan? timeout = null) =>
        new(KnownTools.Helm, ["upgrade", "--install", release, chart, "--version", version, "--namespace", ns, "--create-namespace",
            "--kubeconfig", kubeconfig, "--wait", $"--timeout={(int)(timeout ?? TimeSpan.FromMinutes(10)).TotalSeconds}s",
            .. repo is null ? [] : new[] { "--repo", repo }, .. (valuesFiles ?? []).SelectMany(f => new[] { "-f", f })])
        { Timeout = (timeout ?? TimeSpan.FromMinutes(10)) + TimeSpan.FromMinutes(1) };

    public static ToolCommand Template(string release, string chart, string version, string ns, string? repo = null,
        IEnumerable<string>? valuesFiles = null) =>
        new(KnownTools.Helm, ["template", release, chart, "--version", version, "--namespace", ns,
            .. repo is null ? [] : new[] { "--repo", repo }, .. (valuesFiles ?? []).SelectMany(f => new[] { "-f", f })])
        { StreamOutput = false };
}

public static class Kubeconform
{
    /// <summary>Strict validation of a rendered stream on stdin, with the same schema folder as the built-in validator.</summary>
    public static ToolCommand Validate(string kubernetesVersion, string? schemaDir, string manifests) =>
        new(KnownTools.Kubeconform, ["-strict", "-summary", "-output", "json", "-kubernetes-version", kubernetesVersion,
            .. schemaDir is null ? new[] { "-schema-location", "default" } : new[]
            {
                "-schema-location", "default",
                "-schema-location", Path.Combine(schemaDir, "crds", "{{.Group}}", "{{.ResourceKind}}_{{.ResourceAPIVersion}}.json"),
            }, "-"])
        { StandardInput = manifests, StreamOutput = false, SuccessExitCodes = [0, 1] };
}

public static class KyvernoCli
{
    public static ToolCommand Test(string dir) => new(KnownTools.Kyverno, ["test", dir, "--detailed-results"]);
    public static ToolCommand Apply(string policyDir, string resourceFile) =>
        new(KnownTools.Kyverno, ["apply", policyDir, "--resource", resourceFile, "--policy-report"]) { StreamOutput = false, SuccessExitCodes = [0, 1] };
}

public static class Trivy
{
    public static ToolCommand Config(string dir) =>
        new(KnownTools.Trivy, ["config", "--quiet", "--format", "json", "--exit-code", "0", dir]) { StreamOutput = false };
}

public static class KubeLinter
{
    public static ToolCommand Lint(string file) =>
        new(KnownTools.KubeLinter, ["lint", "--format", "json", file]) { StreamOutput = false, SuccessExitCodes = [0, 1] };
}

public static class Shellcheck
{
    public static ToolCommand Check(IEnumerable<string> files) =>
        new(KnownTools.Shellcheck, ["--format=gcc", "--severity=style", .. files]) { StreamOutput = false, SuccessExitCodes = [0, 1] };

    /// <summary>Checks a script given on stdin (e.g. one embedded in cloud-init).</summary>
    public static ToolCommand CheckStdin(string script, string shell = "bash") =>
        new(KnownTools.Shellcheck, ["--format=gcc", $"--shell={shell}", "-"]) { StandardInput = script, StreamOutput = false, SuccessExitCodes = [0, 1] };
}

public static class Yamllint
{
    public static ToolCommand Check(string configFile, IEnumerable<string> paths) =>
        new(KnownTools.Yamllint, ["--format", "parsable", "--strict", "-c", configFile, .. paths]) { StreamOutput = false, SuccessExitCodes = [0, 1, 2] };
}

public static class SshKeygen
{
    /// <summary>Generates a key pair without a passphrase (host keys must start unattended).</summary>
    public static ToolCommand Generate(string file, string type = "ed25519", string comment = "") =>
        new(KnownTools.SshKeygen, ["-q", "-t", type, "-N", "", "-C", comment, "-f", file]);

    public static ToolCommand Fingerprint(string publicKeyFile) =>
        new(KnownTools.SshKeygen, ["-l", "-E", "sha256", "-f", publicKeyFile]) { StreamOutput = false };
}

public static class DotNetCli
{
    public static ToolCommand FormatVerify(string solution) =>
        new(KnownTools.DotNet, ["format", solution, "--verify-no-changes", "--no-restore"]) { StreamOutput = false, SuccessExitCodes = [0, 2], Timeout = TimeSpan.FromMinutes(10) };

    public static ToolCommand Test(string project, string resultsDirectory, string? filter = null) =>
        new(KnownTools.DotNet, ["test", project, "--configuration", "Release", "--results-directory", resultsDirectory,
            "--logger", "junit;LogFilePath=" + Path.Combine(resultsDirectory, "tests.junit.xml"),
            "--logger", "console;verbosity=normal", .. filter is null ? [] : new[] { "--filter", filter }])
        { Timeout = TimeSpan.FromMinutes(80), SuccessExitCodes = [0, 1] };
}
