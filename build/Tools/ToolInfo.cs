namespace Platform.Build.Tools;

/// <summary>What the suite knows about an external tool: how to find it, ask its version, and install it.</summary>
public sealed record ToolInfo(string Name, string Executable, string MinimumVersion, string InstallHint)
{
    /// <summary>Arguments that make the tool print its version.</summary>
    public IReadOnlyList<string> VersionArguments { get; init; } = ["--version"];
    /// <summary>A sibling executable that reports the version when the tool itself cannot (ssh-keygen: ssh -V).</summary>
    public string? VersionExecutable { get; init; }
    /// <summary>Targets that fail without this tool.</summary>
    public IReadOnlyList<string> RequiredFor { get; init; } = [];
    /// <summary>Targets that use the tool when present and report it as skipped when absent.</summary>
    public IReadOnlyList<string> OptionalFor { get; init; } = [];
    /// <summary>Environment variable that can point at the executable (also how tests swap in stand-ins).</summary>
    public string PathVariable => "PLATFORM_TOOL_" + Name.Replace('-', '_').ToUpperInvariant();
}

/// <summary>The tools the pipeline calls, with the minimum versions it was written against.</summary>
public static class KnownTools
{
    public static readonly ToolInfo Terraform = new("terraform", "terraform", "1.11.0",
        "Install Terraform 1.11+ from releases.hashicorp.com or your package manager (CI pins 1.11.4).")
    {
        VersionArguments = ["version"],
        RequiredFor = ["Lint", "Preflight", "Plan", "Provision", "Audit", "Destroy", "Teardown"],
    };

    public static readonly ToolInfo Kubectl = new("kubectl", "kubectl", "1.32.0",
        "Install kubectl 1.32+ (pkgs.k8s.io); it carries kustomize.")
    {
        VersionArguments = ["version", "--client"],
        RequiredFor = ["Validate", "Test", "GitOps"],
    };

    public static readonly ToolInfo Helm = new("helm", "helm", "3.14.0", "Install Helm 3.14+ from get.helm.sh.")
    {
        VersionArguments = ["version", "--short"],
        RequiredFor = ["GitOps"],
    };

    public static readonly ToolInfo Kubeconform = new("kubeconform", "kubeconform", "0.6.4",
        "Install kubeconform from github.com/yannh/kubeconform releases.")
    {
        VersionArguments = ["-v"],
        OptionalFor = ["Validate"],
    };

    public static readonly ToolInfo Kyverno = new("kyverno", "kyverno", "1.13.0",
        "Install the Kyverno CLI (kubectl krew install kyverno, or its releases).")
    {
        VersionArguments = ["version"],
        OptionalFor = ["Validate"],
    };

    public static readonly ToolInfo Trivy = new("trivy", "trivy", "0.50.0", "Install Trivy from aquasecurity's releases or apt repository.")
    {
        VersionArguments = ["--version"],
        OptionalFor = ["Validate"],
    };

    public static readonly ToolInfo KubeLinter = new("kube-linter", "kube-linter", "0.6.0",
        "Install kube-linter from github.com/stackrox/kube-linter releases.")
    {
        VersionArguments = ["version"],
        OptionalFor = ["Validate"],
    };

    public static readonly ToolInfo Shellcheck = new("shellcheck", "shellcheck", "0.8.0", "apt-get install shellcheck")
    {
        RequiredFor = ["Lint"],
    };

    public static readonly ToolInfo Yamllint = new("yamllint", "yamllint", "1.26.0", "apt-get install yamllint")
    {
        RequiredFor = ["Lint"],
    };

    public static readonly ToolInfo CloudInit = new("cloud-init", "cloud-init", "22.4", "apt-get install cloud-init")
    {
        OptionalFor = ["Test"],
    };

    public static readonly ToolInfo SshKeygen = new("ssh-keygen", "ssh-keygen", "8.0", "apt-get install openssh-client")
    {
        VersionExecutable = "ssh",
        VersionArguments = ["-V"],
        RequiredFor = ["Plan", "Provision"],
    };

    public static readonly ToolInfo Hadolint = new("hadolint", "hadolint", "2.12.0", "Install hadolint from github.com/hadolint/hadolint releases.")
    {
        OptionalFor = ["Lint"],
    };

    public static readonly ToolInfo DotNet = new("dotnet", "dotnet", "10.0.400", "Install the .NET 10 SDK, feature band 10.0.4xx (global.json pins it).")
    {
        RequiredFor = ["Lint", "Test"],
    };

    public static IReadOnlyList<ToolInfo> All { get; } =
        [DotNet, Terraform, Kubectl, Helm, Kubeconform, Kyverno, Trivy, KubeLinter, Shellcheck, Yamllint, CloudInit, SshKeygen, Hadolint];
}
