using System.Text.RegularExpressions;

namespace Platform.Build.Bootstrap;

/// <summary>
/// The shell commands the suite sends, as pure functions (unit-tested). Every mutating command is guarded by the file
/// the real tool leaves behind, so running it twice changes nothing: safe to retry and to resume.
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

    /// <summary>Writes stdin to <paramref name="path"/> as root with <paramref name="mode"/>: created private (umask 077), renamed into place.</summary>
    public static string Upload(string path, string mode)
    {
        var dir = path[..path.LastIndexOf('/')];
        return $"sudo -n sh -c {Quote($"umask 077 && mkdir -p {Quote(dir)} && cat > {Quote(path + ".part")} && chmod {mode} {Quote(path + ".part")} && mv -f {Quote(path + ".part")} {Quote(path)}")}";
    }

    public static string KubeadmInit(string configPath) =>
        $"sudo -n sh -c {Quote($"test -f {NodePaths.AdminKubeconfig} || kubeadm init --config {Quote(configPath)} --skip-token-print")}";

    public static string CreateJoinToken(TimeSpan ttl) =>
        $"sudo -n kubeadm token create --ttl {KubeadmConfig.Duration(ttl)} --description {JoinTokenDescription} --print-join-command";

    /// <summary>Joins unless already joined; the join configuration (it holds the token) is removed either way.</summary>
    public static string KubeadmJoin(string configPath) =>
        $"sudo -n sh -c {Quote($"if test -f {NodePaths.KubeletKubeconfig}; then rm -f {Quote(configPath)}; exit 0; fi; kubeadm join --config {Quote(configPath)}; rc=$?; rm -f {Quote(configPath)}; exit $rc")}";

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
