using System.Text;
using System.Text.RegularExpressions;

namespace Platform.Build.Bootstrap;

/// <summary>
/// The shell commands the suite sends, as pure functions (unit-tested). Every mutating command is guarded (by the
/// init marker, or the file the real tool leaves behind), so running it twice changes nothing: safe to retry.
/// </summary>
public static partial class RemoteCommands
{
    public const string CloudInitStatus = "cloud-init status --long";

    public const string CloudInitLogTail =
        "sudo -n sh -c 'for f in /var/log/cloud-init-output.log /var/log/cloud-init.log; do " +
        "if [ -f \"$f\" ]; then echo \"==> $f <==\"; tail -n 25 \"$f\"; fi; done'";

    public const string ToolVersions =
        "echo \"kubeadm=$(kubeadm version -o short 2>&1)\"; echo \"kubelet=$(kubelet --version 2>&1)\"; echo \"containerd=$(containerd --version 2>&1)\"";

    public const string JoinTokenDescription = "platform-bootstrap-join";

    public static string FileExists(string path) => $"sudo -n test -f {Quote(path)} && echo present || echo absent";

    /// <summary>
    /// Writes every file from stdin (their contents one after another) as root: created private (umask 077), each
    /// checked for its full length before any is renamed into place, so a cut connection leaves no half-written file.
    /// One command for all files: one round trip. <c>head -c</c> reads exactly the bytes asked for from a pipe.
    /// </summary>
    public static (string Command, string Input) Upload(IReadOnlyList<NodeFile> files)
    {
        var script = new StringBuilder("umask 077");
        foreach (var dir in files.Select(f => f.Path[..f.Path.LastIndexOf('/')]).Distinct(StringComparer.Ordinal))
            script.Append($" && mkdir -p {Quote(dir)}");
        foreach (var file in files)
        {
            var bytes = Encoding.UTF8.GetByteCount(file.Content);
            var part = Quote(file.Path + ".part");
            script.Append($" && head -c {bytes} > {part} && [ \"$(wc -c < {part})\" -eq {bytes} ] && chmod {file.Mode} {part}");
        }
        foreach (var file in files)
            script.Append($" && mv -f {Quote(file.Path + ".part")} {Quote(file.Path)}");
        return ($"sudo -n sh -c {Quote(script.ToString())}", string.Concat(files.Select(f => f.Content)));
    }

    /// <summary>
    /// What the control plane's state is, in one round trip: whether the init marker matches the CA, whether an
    /// earlier `kubeadm init` left files, and whether the control plane answers
    /// (`kubectl --kubeconfig /etc/kubernetes/admin.conf get --raw=/readyz` prints ok). Read-only.
    /// </summary>
    public static string ControlPlaneProbe =>
        $"sudo -n sh -c {Quote(
            $"ca={NodePaths.CaCertificate}; marker={NodePaths.InitMarker}; " +
            MarkerMatchesCa + " then echo marker=valid; elif [ -f \"$marker\" ]; then echo marker=stale; else echo marker=absent; fi; " +
            $"files=absent; for f in {NodePaths.AdminKubeconfig} {NodePaths.ApiServerManifest} \"$ca\"; do if [ -e \"$f\" ]; then files=present; fi; done; " +
            $"if [ -n \"$(ls -A {NodePaths.EtcdDataDir} 2>/dev/null)\" ]; then files=present; fi; echo files=$files; " +
            $"if [ -f {NodePaths.AdminKubeconfig} ] && [ \"$({ReadyzCommand} 2>/dev/null)\" = ok ]; then echo api=ok; else echo api=down; fi")}";

    public const string ReadyzCommand = $"kubectl --kubeconfig {NodePaths.AdminKubeconfig} --request-timeout=10s get --raw=/readyz";

    // Shell test (needs $ca and $marker): the marker holds the SHA-256 of the CA it was written with.
    private const string MarkerMatchesCa =
        "if [ -f \"$marker\" ] && [ -f \"$ca\" ] && [ \"$(cat \"$marker\")\" = \"$(sha256sum < \"$ca\" | cut -c1-64)\" ];";

    /// <summary>Parses <see cref="ControlPlaneProbe"/>'s output; anything unexpected reads as "not there".</summary>
    public static ControlPlaneState ParseControlPlaneProbe(string output)
    {
        var values = output.Split('\n').Select(l => l.Trim().Split('=', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        return new ControlPlaneState(
            Initialised: values.GetValueOrDefault("marker") == "valid",
            LeftoverFiles: values.GetValueOrDefault("files") == "present",
            ApiAnswers: values.GetValueOrDefault("api") == "ok");
    }

    /// <summary>kubeadm init, then the init marker. Skipped when the marker already matches the CA (a retried command).</summary>
    public static string KubeadmInit(string configPath) =>
        $"sudo -n sh -c {Quote(
            $"ca={NodePaths.CaCertificate}; marker={NodePaths.InitMarker}; {MarkerMatchesCa} then exit 0; fi; " +
            $"kubeadm init --config {Quote(configPath)} --skip-token-print && sha256sum < \"$ca\" | cut -c1-64 > \"$marker.part\" && mv -f \"$marker.part\" \"$marker\"")}";

    /// <summary>Undoes a partial `kubeadm init` or `kubeadm join` on this node (and drops a stale init marker).</summary>
    public static string KubeadmReset => $"sudo -n sh -c {Quote($"kubeadm reset -f && rm -f {NodePaths.InitMarker}")}";

    /// <summary>
    /// A short-lived token, then the cluster CA, in one round trip (see <see cref="JoinCredentials.Parse"/>). The token
    /// is printed on stdout only: never on a command line, never logged.
    /// </summary>
    public static string CreateJoinCredentials(TimeSpan ttl) =>
        $"sudo -n sh -c {Quote($"kubeadm token create --ttl {KubeadmConfig.Duration(ttl)} --description {JoinTokenDescription} && cat {NodePaths.CaCertificate}")}";

    /// <summary>Joins unless already joined; the join files (they hold the token) are removed either way.</summary>
    public static string KubeadmJoin(string configPath, string discoveryPath)
    {
        var cleanup = $"rm -f {Quote(configPath)} {Quote(discoveryPath)}";
        return $"sudo -n sh -c {Quote($"if test -f {NodePaths.KubeletKubeconfig}; then {cleanup}; exit 0; fi; kubeadm join --config {Quote(configPath)}; rc=$?; {cleanup}; exit $rc")}";
    }

    /// <summary>Asks the API server (on the control plane) whether a node is registered. Read-only.</summary>
    public static string NodeLookup(string node) =>
        $"sudo -n kubectl --kubeconfig {NodePaths.AdminKubeconfig} --request-timeout=10s get node {Quote(node)} -o name";

    /// <summary>Registered, not registered (NotFound), or null when the API server gave no answer about the node.</summary>
    public static bool? ParseNodeLookup(string node, int exitCode, string output, string error)
    {
        if (exitCode == 0 && output.Trim() == $"node/{node}") return true;
        if (exitCode != 0 && error.Contains("(NotFound)", StringComparison.Ordinal)) return false;
        return null;
    }

    public static string ReadAdminKubeconfig => $"sudo -n cat {NodePaths.AdminKubeconfig}";

    public static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";

    /// <summary>The state `cloud-init status` reports: done, running, error, disabled, not run, degraded done.</summary>
    public static string ParseCloudInitStatus(string output)
    {
        var m = StatusLine().Match(output);
        return m.Success ? m.Groups[1].Value.Trim() : "unknown";
    }

    /// <summary>Parses <see cref="ToolVersions"/> output; returns problems (wrong or missing versions).</summary>
    public static IReadOnlyList<string> CheckToolVersions(string output, string kubernetesVersion)
    {
        var values = output.Split('\n').Select(l => l.Split('=', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim());
        var problems = new List<string>();
        var want = "v" + kubernetesVersion;
        foreach (var tool in new[] { "kubeadm", "kubelet" })
        {
            var seen = values.GetValueOrDefault(tool, "");
            var version = VersionToken().Match(seen);
            if (!version.Success)
                problems.Add($"{tool} is not installed or does not report a version ('{seen}').");
            else if (version.Value != want)
                problems.Add($"{tool} is {version.Value}, the cluster pins {want}.");
        }
        var containerd = values.GetValueOrDefault("containerd", "");
        if (!containerd.StartsWith("containerd", StringComparison.Ordinal))
            problems.Add($"containerd is not installed or does not report a version ('{containerd}').");
        return problems;
    }

    [GeneratedRegex(@"^status:\s*(.+)$", RegexOptions.Multiline)]
    private static partial Regex StatusLine();

    [GeneratedRegex(@"v\d+\.\d+\.\d+")]
    private static partial Regex VersionToken();
}
