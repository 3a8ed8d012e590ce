using System.Diagnostics;
using Platform.Build.Logging;
using Platform.Build.Reporting;

namespace Platform.Build.Bootstrap;

/// <summary>What happened to a step in this run.</summary>
public enum StepOutcome { Ran, AlreadyDone, Skipped }

public sealed record StepResult(BootstrapStep Step, StepOutcome Outcome, TimeSpan Duration);

/// <summary>Bad inputs found before connecting: nothing was done.</summary>
public sealed class BootstrapInputException(IReadOnlyList<string> problems)
    : Exception("Bootstrap cannot start; nothing was changed:\n  " + string.Join("\n  ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>One or more steps failed. Finished steps are recorded; running Bootstrap again resumes.</summary>
public sealed class BootstrapFailedException(IReadOnlyList<(BootstrapStep Step, Exception Error)> failures, string statePath)
    : Exception("Bootstrap failed:\n" + string.Join("\n", failures.Select(f => $"  - {f.Step.Id}: {Redaction.Apply(f.Error.Message)}")) +
                $"\nFinished steps are recorded in {statePath}; fix the cause and run Bootstrap again to resume.")
{
    public IReadOnlyList<(BootstrapStep Step, Exception Error)> Failures { get; } = failures;
}

/// <summary>cloud-init reported an error on a node; carries the tail of its logs.</summary>
public sealed class CloudInitFailedException(string node, string status, string logTail)
    : Exception($"cloud-init on {node} reported '{status}'. Last lines of its logs:\n{Redaction.Apply(logTail)}\n" +
                "Fix the user-data or the image (see the log lines above), then re-create the VM with Provision, or repair it by hand and run Bootstrap again.")
{
    public string Node { get; } = node;
    public string LogTail { get; } = logTail;
}

/// <summary>
/// Runs a <see cref="BootstrapPlan"/> over SSH. Connects to every node first (all host keys verified before any
/// command anywhere), then executes the phases in order; steps inside a phase run in parallel. Each finished step is
/// recorded at once, and the init and join steps first ask the cluster (does the control plane answer, is the node
/// registered, what did an earlier run leave; see <see cref="BootstrapDecisions"/>), so a re-run on a bootstrapped
/// cluster changes nothing and a re-run after a failure resumes.
/// </summary>
public sealed class BootstrapRunner
{
    private readonly BootstrapSpec _spec;
    private readonly SshOptions _ssh;
    private readonly string _statePath;
    private readonly string _kubeconfigPath;
    private readonly ILog _log;
    private readonly RunSummary? _summary;

    public BootstrapRunner(BootstrapSpec spec, SshOptions ssh, string statePath, string kubeconfigPath, ILog log, RunSummary? summary = null)
    {
        _spec = spec;
        _ssh = ssh;
        _statePath = statePath;
        _kubeconfigPath = kubeconfigPath;
        _log = log;
        _summary = summary;
    }

    public TimeSpan CloudInitTimeout { get; init; } = TimeSpan.FromMinutes(20);
    public TimeSpan CloudInitPollInterval { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan InitTimeout { get; init; } = TimeSpan.FromMinutes(10);
    public TimeSpan JoinTimeout { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>How long a re-run waits for an initialised control plane that does not answer (e.g. rebooting).</summary>
    public TimeSpan ControlPlaneWaitTimeout { get; init; } = TimeSpan.FromMinutes(3);
    /// <summary>How long after `kubeadm join` the API server must list the node.</summary>
    public TimeSpan NodeRegistrationTimeout { get; init; } = TimeSpan.FromMinutes(2);
    public TimeSpan ApiPollInterval { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>Called after each step that ran (tests use it to break a node mid-way).</summary>
    public Func<BootstrapStep, Task>? AfterStep { get; init; }

    public async Task<IReadOnlyList<StepResult>> RunAsync(CancellationToken cancellationToken = default)
    {
        var problems = _spec.Validate();
        if (problems.Count > 0) throw new BootstrapInputException(problems);
        if (!File.Exists(_ssh.PrivateKeyPath))
            throw new BootstrapInputException([$"ssh.privateKeyPath '{_ssh.PrivateKeyPath}' does not exist. Fix: point it at the private key matching openstack.sshPublicKeyPath."]);

        var plan = BootstrapPlan.Create(_spec);
        var state = BootstrapState.Load(_statePath, BootstrapState.IdOf(_spec));
        var nodes = OpenNodes();
        try
        {
            await ConnectAllAsync(nodes, cancellationToken);
            var results = new List<StepResult>();
            var join = new JoinCredentialSource(this, nodes[_spec.ControlPlane.Name]);
            foreach (var phase in plan.Phases)
            {
                var outcomes = await Task.WhenAll(phase.Select(step => RunStepAsync(step, state, nodes, join, cancellationToken)));
                var failures = outcomes.Where(o => o.Error is not null).Select(o => (o.Step, o.Error!)).ToList();
                results.AddRange(outcomes.Where(o => o.Result is not null).Select(o => o.Result!));
                if (failures.Count > 0) throw new BootstrapFailedException(failures, _statePath);
            }
            return results;
        }
        finally
        {
            foreach (var node in nodes.Values) node.Dispose();
        }
    }

    private Dictionary<string, RemoteNode> OpenNodes()
    {
        var inv = _spec.Inventory;
        var cp = _spec.ControlPlane;
        var entry = new SshAddress(cp.Name, inv.SshEntry.Host, inv.SshEntry.Port, PolicyOf(cp, inv.SshEntry.Host));
        var nodes = new Dictionary<string, RemoteNode>(StringComparer.Ordinal) { [cp.Name] = new RemoteNode(entry, _ssh, _log) };
        foreach (var worker in _spec.Workers)
            nodes[worker.Name] = new RemoteNode(new SshAddress(worker.Name, worker.PrivateIp, 22, PolicyOf(worker, worker.PrivateIp), entry), _ssh, _log);
        return nodes;
    }

    private static HostKeyPolicy PolicyOf(Inventory.InventoryNode node, string address) =>
        new(node.Name, address, node.HostPublicKeys.Select(PinnedHostKey.Parse).ToList());

    /// <summary>Every node's host key is verified before the first command on any node.</summary>
    private async Task ConnectAllAsync(Dictionary<string, RemoteNode> nodes, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var attempts = nodes.Values.Select(async n =>
        {
            try { await n.ConnectAsync(ct); return (n.Name, Error: (Exception?)null); }
            catch (Exception e) when (e is not OperationCanceledException) { return (n.Name, Error: e); }
        });
        var results = await Task.WhenAll(attempts);
        var mismatch = results.Select(r => r.Error).OfType<HostKeyMismatchException>().FirstOrDefault();
        foreach (var (name, error) in results)
            _summary?.Add("Bootstrap", $"ssh {name}", error is null ? StepStatus.Passed : StepStatus.Failed,
                error is null ? "host key matches the pinned key" : error.Message, watch.Elapsed);
        if (mismatch is not null) throw mismatch;
        var failed = results.Where(r => r.Error is not null).ToList();
        if (failed.Count > 0)
            throw new BootstrapFailedException(failed.Select(f => (new BootstrapStep(StepKind.Connect, f.Name, "connect and verify the host key"), f.Error!)).ToList(), _statePath);
        _log.Info($"Connected to {string.Join(", ", nodes.Keys)} in {watch.Elapsed.TotalSeconds:0.0}s; every host key matches the inventory.");
    }

    private async Task<(BootstrapStep Step, StepResult? Result, Exception? Error)> RunStepAsync(BootstrapStep step, BootstrapState state,
        Dictionary<string, RemoteNode> nodes, JoinCredentialSource join, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            var outcome = await ExecuteAsync(step, state, nodes[step.Node], nodes[_spec.ControlPlane.Name], join, ct);
            if (outcome != StepOutcome.Skipped) state.MarkDone(step, _statePath, DateTimeOffset.UtcNow);
            var detail = outcome switch
            {
                StepOutcome.Ran => "done",
                StepOutcome.AlreadyDone => "already done on the node; nothing changed",
                _ => "finished in an earlier run (state record)",
            };
            _log.Info($"[{step.Id}] {step.Description}: {detail} ({watch.Elapsed.TotalSeconds:0.0}s)");
            _summary?.Add("Bootstrap", step.Id, outcome == StepOutcome.Ran ? StepStatus.Passed : StepStatus.Skipped, detail, watch.Elapsed);
            if (outcome == StepOutcome.Ran && AfterStep is not null) await AfterStep(step);
            return (step, new StepResult(step, outcome, watch.Elapsed), null);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            _log.Error($"[{step.Id}] failed: {e.Message}");
            _summary?.Add("Bootstrap", step.Id, StepStatus.Failed, e.Message, watch.Elapsed);
            return (step, null, e);
        }
    }

    private async Task<StepOutcome> ExecuteAsync(BootstrapStep step, BootstrapState state, RemoteNode node, RemoteNode controlPlane,
        JoinCredentialSource join, CancellationToken ct)
    {
        switch (step.Kind)
        {
            case StepKind.CloudInit:
                if (state.IsDone(step)) return StepOutcome.Skipped;
                await WaitForCloudInitAsync(node, ct);
                return StepOutcome.Ran;
            case StepKind.Preflight:
                if (state.IsDone(step)) return StepOutcome.Skipped;
                await PreflightAsync(node, ct);
                return StepOutcome.Ran;
            case StepKind.Init:
                return await InitStepAsync(node, ct);
            case StepKind.Join:
                return await JoinStepAsync(node, controlPlane, _spec.Workers.First(w => w.Name == step.Node), join, ct);
            case StepKind.Kubeconfig:
                if (state.IsDone(step) && File.Exists(_kubeconfigPath)) return StepOutcome.Skipped;
                await FetchKubeconfigAsync(node, ct);
                return StepOutcome.Ran;
            default:
                throw new InvalidOperationException($"Unknown step {step.Kind}.");
        }
    }

    private async Task WaitForCloudInitAsync(RemoteNode node, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var nextReport = TimeSpan.Zero;
        while (true)
        {
            var result = await node.RunAsync(RemoteCommands.CloudInitStatus, cancellationToken: ct);
            var status = RemoteCommands.ParseCloudInitStatus(result.Output);
            switch (status)
            {
                case "done":
                    return;
                case "disabled":
                    _log.Warn($"{node.Name}: cloud-init is disabled; assuming the node was prepared another way.");
                    return;
                case "error":
                case "degraded done":
                case "degraded error":
                    var tail = await node.RunAsync(RemoteCommands.CloudInitLogTail, cancellationToken: ct);
                    var detail = result.Output.Trim();
                    throw new CloudInitFailedException(node.Name, status, (detail + "\n" + tail.Output.TrimEnd()).Trim());
                case "unknown" when result.ExitCode != 0:
                    throw new RemoteCommandException(node.Name, "cloud-init status", result.ExitCode, Tail(result));
            }
            if (watch.Elapsed > CloudInitTimeout)
                throw new TimeoutException($"cloud-init on {node.Name} is still '{status}' after {CloudInitTimeout.TotalMinutes:0.#} min. " +
                                           "Check the node's console log in OpenStack; run Bootstrap again once it has finished.");
            if (watch.Elapsed >= nextReport)
            {
                _log.Info($"{node.Name}: waiting for cloud-init ({status}, {watch.Elapsed.TotalSeconds:0}s)...");
                nextReport = watch.Elapsed + TimeSpan.FromSeconds(15);
            }
            await Task.Delay(CloudInitPollInterval, ct);
        }
    }

    private async Task PreflightAsync(RemoteNode node, CancellationToken ct)
    {
        var result = await node.RunAsync(RemoteCommands.ToolVersions, cancellationToken: ct);
        var problems = RemoteCommands.CheckToolVersions(result.Output, _spec.KubernetesVersion);
        if (problems.Count > 0)
            throw new InvalidOperationException($"{node.Name} is not prepared for Kubernetes {_spec.KubernetesVersion}: {string.Join(" ", problems)} " +
                                                "Fix: the node's cloud-init (Provision) installs pinned kubeadm/kubelet/containerd; re-create the node or install the pinned versions.");
    }

    /// <summary>Init unless the control plane is initialised; an init that did not finish is reset first.</summary>
    private async Task<StepOutcome> InitStepAsync(RemoteNode node, CancellationToken ct)
    {
        var state = await ProbeControlPlaneAsync(node, ct);
        switch (BootstrapDecisions.Init(state))
        {
            case InitAction.AlreadyDone:
                return StepOutcome.AlreadyDone;
            case InitAction.WaitForApiServer:
                await WaitForControlPlaneAsync(node, ct);
                return StepOutcome.AlreadyDone;
            case InitAction.ResetThenInit:
                _log.Warn($"{node.Name}: an earlier kubeadm init did not finish (its files are there, {NodePaths.InitMarker} is not); " +
                          "running kubeadm reset -f before initialising again.");
                await CheckAsync(node, "kubeadm reset", await node.RunAsync(RemoteCommands.KubeadmReset, timeout: InitTimeout, cancellationToken: ct));
                break;
        }
        await InitAsync(node, ct);
        return StepOutcome.Ran;
    }

    private async Task<ControlPlaneState> ProbeControlPlaneAsync(RemoteNode node, CancellationToken ct)
    {
        var result = await node.RunAsync(RemoteCommands.ControlPlaneProbe, cancellationToken: ct);
        await CheckAsync(node, "checking the control plane", result);
        return RemoteCommands.ParseControlPlaneProbe(result.Output);
    }

    /// <summary>An initialised control plane is never reset: wait for it to answer, else stop with what to check.</summary>
    private async Task WaitForControlPlaneAsync(RemoteNode node, CancellationToken ct)
    {
        _log.Warn($"{node.Name}: the control plane is initialised but does not answer /readyz; waiting up to {ControlPlaneWaitTimeout.TotalSeconds:0}s.");
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < ControlPlaneWaitTimeout)
        {
            await Task.Delay(ApiPollInterval, ct);
            if ((await ProbeControlPlaneAsync(node, ct)).ApiAnswers) return;
        }
        throw new TimeoutException(
            $"{node.Name} was initialised by Bootstrap ({NodePaths.InitMarker} matches its CA) but its API server has not answered /readyz " +
            $"for {ControlPlaneWaitTimeout.TotalSeconds:0}s. Bootstrap never resets an initialised control plane. Check it on the node " +
            $"(`sudo crictl ps -a`, `sudo journalctl -u kubelet`), and run Bootstrap again once `sudo {RemoteCommands.ReadyzCommand}` prints ok.");
    }

    private async Task InitAsync(RemoteNode node, CancellationToken ct)
    {
        var files = KubeadmConfig.RenderControlPlane(_spec, BootstrapToken.Generate(), EncryptionKey.Generate(DateTimeOffset.UtcNow));
        await UploadAsync(node, files.All, ct);
        _log.Info($"{node.Name}: kubeadm init with configuration {files.ConfigVersion} (Kubernetes {_spec.KubernetesVersion})...");
        await CheckAsync(node, "kubeadm init", await node.RunAsync(RemoteCommands.KubeadmInit(files.KubeadmConfig.Path), timeout: InitTimeout, cancellationToken: ct));
    }

    /// <summary>Join unless the worker holds kubelet.conf and the API server lists it (see <see cref="BootstrapDecisions.Join"/>).</summary>
    private async Task<StepOutcome> JoinStepAsync(RemoteNode node, RemoteNode controlPlane, Inventory.InventoryNode worker, JoinCredentialSource join,
        CancellationToken ct)
    {
        // Without kubelet.conf the worker joins whatever the API server says, so it is asked only when it matters.
        var onDisk = await FileExistsAsync(node, NodePaths.KubeletKubeconfig, ct);
        var registered = onDisk && await IsRegisteredAsync(controlPlane, worker.Name, ct);
        switch (BootstrapDecisions.Join(onDisk, registered))
        {
            case JoinAction.AlreadyDone:
                return StepOutcome.AlreadyDone;
            case JoinAction.ResetThenJoin:
                _log.Warn($"{node.Name}: holds {NodePaths.KubeletKubeconfig} but the API server does not list it (its credentials are for a cluster " +
                          "that no longer knows it); running kubeadm reset -f before joining again.");
                await CheckAsync(node, "kubeadm reset", await node.RunAsync(RemoteCommands.KubeadmReset, timeout: JoinTimeout, cancellationToken: ct));
                break;
        }
        await JoinAsync(node, worker, await join.GetAsync(ct), ct);
        await WaitForRegistrationAsync(controlPlane, worker.Name, ct);
        return StepOutcome.Ran;
    }

    private async Task JoinAsync(RemoteNode node, Inventory.InventoryNode worker, JoinCredentials join, CancellationToken ct)
    {
        var files = KubeadmConfig.RenderJoin(_spec, worker, join);
        await UploadAsync(node, files.All, ct);
        await CheckAsync(node, "kubeadm join", await node.RunAsync(RemoteCommands.KubeadmJoin(files.Config.Path, files.Discovery.Path), timeout: JoinTimeout, cancellationToken: ct));
    }

    private async Task<bool> IsRegisteredAsync(RemoteNode controlPlane, string name, CancellationToken ct)
    {
        var result = await controlPlane.RunAsync(RemoteCommands.NodeLookup(name), cancellationToken: ct);
        return RemoteCommands.ParseNodeLookup(name, result.ExitCode, result.Output, result.Error)
               ?? throw new RemoteCommandException(controlPlane.Name, $"asking the API server for node {name}", result.ExitCode, Tail(result));
    }

    /// <summary>The kubelet registers its Node right after TLS bootstrap; a join is done once the API server lists it.</summary>
    private async Task WaitForRegistrationAsync(RemoteNode controlPlane, string name, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        while (!await IsRegisteredAsync(controlPlane, name, ct))
        {
            if (watch.Elapsed > NodeRegistrationTimeout)
                throw new TimeoutException($"kubeadm join finished on {name} but the API server has not listed node {name} after " +
                                           $"{NodeRegistrationTimeout.TotalSeconds:0}s. Check the kubelet on {name} (`sudo journalctl -u kubelet`); run Bootstrap again once fixed.");
            await Task.Delay(ApiPollInterval, ct);
        }
    }

    private async Task FetchKubeconfigAsync(RemoteNode node, CancellationToken ct)
    {
        var result = await node.RunAsync(RemoteCommands.ReadAdminKubeconfig, cancellationToken: ct);
        await CheckAsync(node, $"reading {NodePaths.AdminKubeconfig}", result);
        var text = Kubeconfig.Rewrite(result.Output, Kubeconfig.ServerFor(_spec));
        Files.SecureFile.WriteAllText(_kubeconfigPath, text);
        _log.Info($"Wrote the kubeconfig to {_kubeconfigPath} (0600, server {Kubeconfig.ServerFor(_spec)}).");
    }

    private static async Task UploadAsync(RemoteNode node, IReadOnlyList<NodeFile> files, CancellationToken ct)
    {
        var (command, input) = RemoteCommands.Upload(files);
        var result = await node.RunAsync(command, input, cancellationToken: ct);
        await CheckAsync(node, $"upload of {string.Join(", ", files.Select(f => f.Path))}", result);
    }

    private static async Task<bool> FileExistsAsync(RemoteNode node, string path, CancellationToken ct)
    {
        var result = await node.RunAsync(RemoteCommands.FileExists(path), cancellationToken: ct);
        await CheckAsync(node, $"checking {path}", result);
        return result.Output.Trim() == "present";
    }

    private static Task CheckAsync(RemoteNode node, string what, RemoteResult result) =>
        result.ExitCode == 0 ? Task.CompletedTask : throw new RemoteCommandException(node.Name, what, result.ExitCode, Tail(result));

    private static string Tail(RemoteResult r) =>
        string.Join('\n', (r.Output + "\n" + r.Error).Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(20));

    /// <summary>
    /// One short-lived join token per run, and the cluster CA, read from the control plane when the first worker needs
    /// them. The CA comes over the host-key-pinned SSH connection: that is why the workers can trust it.
    /// </summary>
    private sealed class JoinCredentialSource(BootstrapRunner runner, RemoteNode controlPlane)
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private JoinCredentials? _join;

        public async Task<JoinCredentials> GetAsync(CancellationToken ct)
        {
            await _gate.WaitAsync(ct);
            try
            {
                if (_join is not null) return _join;
                var result = await controlPlane.RunAsync(RemoteCommands.CreateJoinCredentials(runner._spec.JoinTokenTtl), cancellationToken: ct);
                await CheckAsync(controlPlane, $"kubeadm token create (and reading {NodePaths.CaCertificate})", result);
                _join = JoinCredentials.Parse(result.Output);
                runner._log.Info($"Created a join token valid for {runner._spec.JoinTokenTtl.TotalMinutes:0} min.");
                return _join;
            }
            finally { _gate.Release(); }
        }
    }
}
