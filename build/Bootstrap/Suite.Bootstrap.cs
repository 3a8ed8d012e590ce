using Platform.Build.Bootstrap;
using Platform.Build.Inventory;
using Platform.Build.Reporting;

namespace Platform.Build;

public sealed partial class Suite
{
    /// <summary>The admin kubeconfig Bootstrap writes (0600); the next targets pass it to kubectl.</summary>
    public string KubeconfigPath => Path.Combine(Settings.OutputDirectory, "kubeconfig");

    /// <summary>Finished bootstrap steps, so a re-run resumes (no secrets inside).</summary>
    public string BootstrapStatePath => Path.Combine(Settings.OutputDirectory, "bootstrap", "state.json");

    /// <summary>
    /// kubeadm over SSH: reads artifacts/inventory.json, verifies every pinned host key, waits for cloud-init, runs
    /// kubeadm init on the control plane, joins the workers in parallel, writes the kubeconfig (0600).
    /// </summary>
    public void Bootstrap() => Run(async () =>
    {
        var inventory = ClusterInventory.Load(OutputPath(ClusterInventory.FileName));
        var spec = BootstrapSpecFrom(inventory);
        var runner = new BootstrapRunner(spec, SshOptionsFrom(inventory), BootstrapStatePath, KubeconfigPath, Log, Summary)
        {
            CloudInitTimeout = TimeSpan.FromMinutes(Settings.GetInt("bootstrap.cloudInitTimeoutMinutes")),
        };
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var results = await runner.RunAsync();
        WritePinnedKnownHosts(inventory);
        var ran = results.Count(r => r.Outcome == StepOutcome.Ran);
        Summary.Add("Bootstrap", "cluster", StepStatus.Passed,
            ran == 0 ? "already bootstrapped; nothing changed" : $"{ran} step(s) ran; kubeconfig at {KubeconfigPath}", watch.Elapsed);
    });

    internal BootstrapSpec BootstrapSpecFrom(ClusterInventory inventory) => new()
    {
        ClusterName = Settings.Get("platform.name"),
        KubernetesVersion = Settings.Get("kubernetes.version"),
        Inventory = inventory,
        ApiAccess = Settings.Get("bootstrap.apiAccess") == "tunnel" ? ApiAccess.Tunnel : ApiAccess.Public,
        TunnelLocalPort = Settings.GetInt("bootstrap.tunnelLocalPort"),
        JoinMode = Settings.Get("bootstrap.joinMode") == "sequential" ? JoinMode.Sequential : JoinMode.Parallel,
        JoinTokenTtl = TimeSpan.FromMinutes(Settings.GetInt("bootstrap.joinTokenTtlMinutes")),
    };

    internal SshOptions SshOptionsFrom(ClusterInventory inventory) => new()
    {
        User = inventory.SshEntry.User is { Length: > 0 } user ? user : Settings.Get("ssh.user"),
        PrivateKeyPath = Settings.GetPath("ssh.privateKeyPath"),
        ConnectTimeout = TimeSpan.FromSeconds(Settings.GetInt("ssh.connectTimeoutSeconds")),
        ConnectAttempts = Settings.GetInt("ssh.connectAttempts"),
    };

    /// <summary>
    /// artifacts/bootstrap/known_hosts and ssh_config: lets a person (or `ssh -L` for the API tunnel) reach the nodes
    /// with the same pinned keys, e.g. `ssh -F artifacts/bootstrap/ssh_config cp`.
    /// </summary>
    private void WritePinnedKnownHosts(ClusterInventory inventory)
    {
        var dir = OutputPath("bootstrap");
        var cp = inventory.ControlPlane;
        var entry = inventory.SshEntry.Port == 22 ? inventory.SshEntry.Host : $"[{inventory.SshEntry.Host}]:{inventory.SshEntry.Port}";
        var lines = cp.HostPublicKeys.Select(k => $"{entry} {Strip(k)}")
            .Concat(inventory.Workers.SelectMany(w => w.HostPublicKeys.Select(k => $"{w.PrivateIp} {Strip(k)}")));
        var knownHosts = Path.Combine(dir, "known_hosts");
        File.WriteAllLines(knownHosts, lines);
        var config = new List<string>
        {
            $"Host {cp.Name}",
            $"  HostName {inventory.SshEntry.Host}",
            $"  Port {inventory.SshEntry.Port}",
            $"  User {inventory.SshEntry.User}",
            $"  IdentityFile {Settings.GetPath("ssh.privateKeyPath")}",
            $"  UserKnownHostsFile {knownHosts}",
            "  StrictHostKeyChecking yes",
        };
        foreach (var w in inventory.Workers)
            config.AddRange([$"Host {w.Name}", $"  HostName {w.PrivateIp}", $"  User {inventory.SshEntry.User}", $"  ProxyJump {cp.Name}",
                $"  IdentityFile {Settings.GetPath("ssh.privateKeyPath")}", $"  UserKnownHostsFile {knownHosts}", "  StrictHostKeyChecking yes"]);
        File.WriteAllLines(Path.Combine(dir, "ssh_config"), config);

        static string Strip(string key) => string.Join(' ', key.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(2));
    }

    public void BenchmarkBootstrap() => Run(async () =>
    {
        var report = await BootstrapBenchmark.RunAsync(RepositoryRoot, OutputPath("bootstrap-benchmark"), Log, Runner);
        foreach (var row in report.Rows) Summary.Add("Benchmark-Bootstrap", row.Name, row.Passed ? StepStatus.Passed : StepStatus.Warning, row.Detail, row.Duration);
    });
}
