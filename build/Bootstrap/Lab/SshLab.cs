using System.Text;
using CliWrap;
using CliWrap.Buffered;
using Platform.Build.Inventory;

namespace Platform.Build.Bootstrap.Lab;

/// <summary>One recorded call of a stand-in (kubeadm, kubelet, containerd) inside a lab node.</summary>
public sealed record StandInCall(int Sequence, double StartedAt, string Tool, string Arguments, IReadOnlyList<string> Files);

/// <summary>
/// Drives tests/Bootstrap/Lab/lab.sh: three nodes in network namespaces with real sshd, chrooted into overlays of a
/// cached debootstrap'd Debian root; only cp on the "public" link. Generates the host keys and the client key with
/// ssh-keygen, like Plan does, and offers the inventory Provision would write. Needs root. Dispose tears it down.
/// </summary>
public sealed class SshLab : IAsyncDisposable
{
    public const string PublicIp = "10.123.0.10";
    public static readonly IReadOnlyList<(string Name, string Role, string Ip)> Nodes =
    [
        ("cp", InventoryNode.ControlPlaneRole, "10.124.0.10"),
        ("w1", InventoryNode.WorkerRole, "10.124.0.11"),
        ("w2", InventoryNode.WorkerRole, "10.124.0.12"),
    ];

    private readonly string _script;
    private bool _down;

    private SshLab(string script, string directory)
    {
        _script = script;
        Directory = directory;
    }

    public string Directory { get; }
    public string KeysDirectory => Path.Combine(Directory, "keys");
    public string ClientKeyPath => Path.Combine(KeysDirectory, "client");
    public string NodeRoot(string node) => Path.Combine(Directory, node, "root");

    public static string ScriptPath(string repositoryRoot) => Path.Combine(repositoryRoot, "tests", "Bootstrap", "Lab", "lab.sh");

    public static bool IsRoot => System.Environment.UserName == "root" || System.Environment.GetEnvironmentVariable("USER") == "root";

    /// <summary>Builds (or reuses) the cached Debian root; the first time runs debootstrap against apt's mirror.</summary>
    public static async Task<string> EnsureBaseAsync(string repositoryRoot) => (await Bash(ScriptPath(repositoryRoot), "base")).Trim();

    public static async Task<SshLab> StartAsync(string repositoryRoot)
    {
        if (!IsRoot) throw new InvalidOperationException("The SSH lab needs root (network namespaces, mounts, chroot).");
        var dir = Path.Combine(Path.GetTempPath(), "platform-bootstrap-lab-" + Guid.NewGuid().ToString("N")[..8]);
        var lab = new SshLab(ScriptPath(repositoryRoot), dir);
        System.IO.Directory.CreateDirectory(lab.KeysDirectory);
        try
        {
            foreach (var (name, _, _) in Nodes) await KeyGen(Path.Combine(lab.KeysDirectory, $"{name}_host_ed25519_key"), $"{name}-host");
            await KeyGen(lab.ClientKeyPath, "bootstrap-lab-client");
            await Bash(lab._script, "up", dir);
            foreach (var (name, _, _) in Nodes) lab.SetCloudInit(name, CloudInitState.Done);
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    /// <summary>The inventory Provision would write for this lab (pinned keys = the keys the lab's sshd use).</summary>
    public ClusterInventory Inventory() => new()
    {
        Platform = "lab",
        PublicIp = PublicIp,
        FloatingIpMode = "control-plane",
        SshEntry = new SshEndpoint(PublicIp, 22, "debian"),
        ApiPrivateEndpoint = "10.124.0.10:6443",
        ApiPublicEndpoint = $"{PublicIp}:6443",
        Network = new NetworkPlan("10.124.0.0/24", "10.244.0.0/16", "10.96.0.0/16"),
        Nodes = Nodes.Select(n => new InventoryNode(n.Name, n.Role, n.Ip, [HostPublicKey(n.Name)])).ToList(),
    };

    public string HostPublicKey(string node) => File.ReadAllText(Path.Combine(KeysDirectory, $"{node}_host_ed25519_key.pub")).Trim();

    /// <summary>Gives a node a new host key (a man-in-the-middle, or a rebuilt VM) and restarts its sshd.</summary>
    public async Task ReplaceHostKeyAsync(string node)
    {
        var key = Path.Combine(Directory, $"{node}-impostor_host_ed25519_key");
        await KeyGen(key, $"{node}-impostor");
        File.Copy(key, Path.Combine(NodeRoot(node), "etc/ssh/ssh_host_ed25519_key"), overwrite: true);
        File.Copy(key + ".pub", Path.Combine(NodeRoot(node), "etc/ssh/ssh_host_ed25519_key.pub"), overwrite: true);
        await StopNodeAsync(node);
        await StartNodeAsync(node);
    }

    public string ImpostorPublicKey(string node) => File.ReadAllText(Path.Combine(Directory, $"{node}-impostor_host_ed25519_key.pub")).Trim();

    public Task StopNodeAsync(string node) => Bash(_script, "stop-node", Directory, node);
    public Task StartNodeAsync(string node) => Bash(_script, "start-node", Directory, node);

    /// <summary>Cuts (or restores) a node's private link: a partition where packets vanish, not a refused connection.</summary>
    public Task SetLinkAsync(string node, bool up) => Bash(_script, "link", Directory, node, up ? "up" : "down");

    /// <summary>Sets a stand-in knob (/etc/standin/&lt;name&gt;) on a node, e.g. join-seconds.</summary>
    public void SetKnob(string node, string name, string value) =>
        File.WriteAllText(Path.Combine(NodeRoot(node), "etc/standin", name), value + "\n");

    public enum CloudInitState { Done, Running, Error }

    /// <summary>
    /// Writes the files the real `cloud-init status` (installed in each node) reads: /run/cloud-init/status.json,
    /// result.json when finished, and the output log whose tail the suite reports on error.
    /// </summary>
    public void SetCloudInit(string node, CloudInitState state, params string[] logLines)
    {
        var run = Path.Combine(NodeRoot(node), "run/cloud-init");
        System.IO.Directory.CreateDirectory(run);
        var errors = state == CloudInitState.Error ? "[\"runcmd failed: see /var/log/cloud-init-output.log\"]" : "[]";
        var finished = state == CloudInitState.Running ? "null" : "1795580000.5";
        var stage = state == CloudInitState.Running ? "\"modules-final\"" : "null";
        File.WriteAllText(Path.Combine(run, "status.json"),
            "{\"v1\": {\"datasource\": \"DataSourceNoCloud\", \"stage\": " + stage + ", " +
            "\"init\": {\"errors\": [], \"start\": 1795579990.1, \"finished\": 1795579995.2}, " +
            "\"modules-final\": {\"errors\": " + errors + ", \"start\": 1795579996.3, \"finished\": " + finished + "}}}");
        var result = Path.Combine(run, "result.json");
        if (state == CloudInitState.Running) File.Delete(result);
        else File.WriteAllText(result, "{\"v1\": {\"datasource\": \"DataSourceNoCloud\", \"errors\": " + errors + "}}");
        if (logLines.Length > 0)
            File.WriteAllLines(Path.Combine(NodeRoot(node), "var/log/cloud-init-output.log"), logLines);
    }

    public IReadOnlyList<StandInCall> StandInCalls(string node)
    {
        var path = Path.Combine(NodeRoot(node), "var/log/standin/invocations.log");
        if (!File.Exists(path)) return [];
        var calls = new List<StandInCall>();
        foreach (var line in File.ReadAllLines(path))
        {
            var parts = line.Split('\t', 4);
            if (parts.Length < 4) continue;
            var seq = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
            var at = double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
            if (parts[2] == "file") ((List<string>)calls[^1].Files).Add(parts[3]);
            else calls.Add(new StandInCall(seq, at, parts[2], parts[3], new List<string>()));
        }
        return calls;
    }

    /// <summary>The copy the stand-in kept of a file it was given (e.g. the kubeadm config passed to init).</summary>
    public string StandInFile(string node, StandInCall call, string path) =>
        File.ReadAllText(Path.Combine(NodeRoot(node), "var/log/standin/files", $"{call.Sequence}-{call.Tool}-{Path.GetFileName(path)}"));

    /// <summary>Every command sshd ran on the node (recorded by its ForceCommand), without stdin.</summary>
    public IReadOnlyList<string> Commands(string node)
    {
        var path = Path.Combine(NodeRoot(node), "var/log/lab/commands.log");
        return File.Exists(path) ? File.ReadAllLines(path).Select(l => l.Split('\t', 2)[1]).ToList() : [];
    }

    public string ReadNodeFile(string node, string absolutePath) => File.ReadAllText(Path.Combine(NodeRoot(node), absolutePath.TrimStart('/')));

    public bool NodeFileExists(string node, string absolutePath) => File.Exists(Path.Combine(NodeRoot(node), absolutePath.TrimStart('/')));

    public async ValueTask DisposeAsync()
    {
        if (_down) return;
        _down = true;
        await Bash(_script, "down", Directory);
    }

    private static async Task KeyGen(string file, string comment)
    {
        var result = await Cli.Wrap("ssh-keygen").WithArguments(["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file])
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        if (result.ExitCode != 0) throw new InvalidOperationException($"ssh-keygen failed: {result.StandardError}");
    }

    private static async Task<string> Bash(string script, params string[] args)
    {
        var result = await Cli.Wrap("bash").WithArguments([script, .. args])
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(Encoding.UTF8);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"lab.sh {string.Join(' ', args)} failed (exit {result.ExitCode}):\n{result.StandardError}");
        return result.StandardOutput;
    }
}
