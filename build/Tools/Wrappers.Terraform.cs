namespace Platform.Build.Tools;

/// <summary>
/// Every terraform invocation of the suite: init with a backend, plan to a file with var files, apply that plan, an
/// apply of variables into a throwaway state (provider-free roots), outputs, destroy, fmt and test. Pure: each returns
/// the command it would run.
/// </summary>
public static class TerraformCli
{
    private static ToolCommand Cmd(string dir, IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        new(KnownTools.Terraform, args)
        {
            WorkingDirectory = dir,
            Environment = new Dictionary<string, string?>(environment) { ["TF_IN_AUTOMATION"] = "1", ["TF_INPUT"] = "0" },
        };

    public static ToolCommand Init(string dir, IReadOnlyDictionary<string, string?> environment, IEnumerable<string> backendConfig) =>
        Cmd(dir, environment, ["init", "-input=false", "-no-color", "-reconfigure", .. backendConfig.Select(c => $"-backend-config={c}")])
            with
        { Timeout = TimeSpan.FromMinutes(15) };

    /// <summary>Plan to a file; exit code 2 (-detailed-exitcode: "changes present") is success.</summary>
    public static ToolCommand Plan(string dir, IReadOnlyDictionary<string, string?> environment, string planFile, IEnumerable<string> varFiles) =>
        Cmd(dir, environment, ["plan", "-input=false", "-no-color", "-detailed-exitcode", $"-out={planFile}",
            .. varFiles.Select(f => $"-var-file={f}")]) with
        { SuccessExitCodes = [0, 2], Timeout = TimeSpan.FromMinutes(30) };

    public static ToolCommand ApplyPlan(string dir, IReadOnlyDictionary<string, string?> environment, string planFile) =>
        Cmd(dir, environment, "apply", "-input=false", "-no-color", "-auto-approve", planFile) with { Timeout = TimeSpan.FromMinutes(60) };

    /// <summary>Apply straight from variables (for provider-free configurations only, e.g. the intent root).</summary>
    public static ToolCommand ApplyVariables(string dir, IReadOnlyDictionary<string, string?> environment, string varFile) =>
        Cmd(dir, environment, "apply", "-input=false", "-no-color", "-auto-approve", $"-var-file={varFile}") with { StreamOutput = false };

    public static ToolCommand OutputJson(string dir, IReadOnlyDictionary<string, string?> environment, string? name = null) =>
        Cmd(dir, environment, ["output", "-json", "-no-color", .. name is null ? [] : new[] { name }]) with { StreamOutput = false };

    public static ToolCommand Destroy(string dir, IReadOnlyDictionary<string, string?> environment, IEnumerable<string> varFiles) =>
        Cmd(dir, environment, ["destroy", "-input=false", "-no-color", "-auto-approve", .. varFiles.Select(f => $"-var-file={f}")])
            with
        { Timeout = TimeSpan.FromMinutes(60) };

    public static ToolCommand Test(string dir, IReadOnlyDictionary<string, string?> environment) =>
        Cmd(dir, environment, "test", "-no-color") with { StreamOutput = false, SuccessExitCodes = [0, 1] };

    public static ToolCommand FormatCheck(string dir) =>
        Cmd(dir, new Dictionary<string, string?>(), "fmt", "-check", "-recursive", "-diff", "-no-color") with { StreamOutput = false, SuccessExitCodes = [0, 3] };

    public static ToolCommand InitOffline(string dir, IReadOnlyDictionary<string, string?> environment) =>
        Cmd(dir, environment, "init", "-input=false", "-no-color", "-backend=false") with { StreamOutput = false };
}

public static class CloudInitSchema
{
    /// <summary>
    /// Validates a user-data file. Without --annotate cloud-init exits 1 on schema errors (with --annotate 22.4 exits 0
    /// even when it lists errors, so that form cannot be trusted as a gate).
    /// </summary>
    public static ToolCommand Check(string userDataFile) =>
        new(KnownTools.CloudInit, ["schema", "--config-file", userDataFile])
        {
            StreamOutput = false,
            SuccessExitCodes = [0, 1],
            // Debian's cloud-init runs on Debian's python; a pyenv shim earlier on PATH would break its imports.
            Environment = new Dictionary<string, string?> { ["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin" },
        };
}
