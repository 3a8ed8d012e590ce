using Platform.Build.Bootstrap;
using Platform.Build.Bootstrap.Lab;
using Platform.Build.Inventory;
using Platform.Build.Logging;
using Platform.Build.Reporting;
using Platform.Build.Settings;
using Platform.Build.Tools;
using Platform.Build.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace Platform.Build.Tests.Bootstrap;

/// <summary>
/// The bootstrap against the real SSH lab: three network namespaces with real OpenSSH sshd, each chrooted into its own
/// overlay of a debootstrap'd Debian root (tests/Bootstrap/Lab/lab.sh); kubeadm, kubelet and containerd are stand-ins
/// that record every call; `cloud-init status` is the real one. Needs root.
/// </summary>
[TestFixture, Category("SshLab"), NonParallelizable, System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class BootstrapLabTests
{
    private SshLab _lab = null!;
    private string _work = null!;
    private RecordingLog _log = null!;

    [OneTimeSetUp]
    public async Task BuildBaseOnce()
    {
        if (!SshLab.IsRoot) Assert.Ignore("The SSH lab needs root (CI runs as root).");
        await SshLab.EnsureBaseAsync(Repo.Root);
    }

    [SetUp]
    public async Task StartLab()
    {
        _log = new RecordingLog();
        _lab = await SshLab.StartAsync(Repo.Root, new ToolRunner(_log, ToolLocator.FromProcess()));
        _work = Path.Combine(Path.GetTempPath(), "bootstrap-lab-work-" + Guid.NewGuid().ToString("N")[..8]);
    }

    [TearDown]
    public async Task StopLab()
    {
        TestContext.Out.WriteLine(_log.Text);
        await _lab.DisposeAsync();
        if (Directory.Exists(_work)) Directory.Delete(_work, recursive: true);
    }

    private string StatePath => Path.Combine(_work, "bootstrap", "state.json");
    private string KubeconfigPath => Path.Combine(_work, "kubeconfig");

    private BootstrapRunner Runner(BootstrapSpec? spec = null, Func<BootstrapStep, Task>? afterStep = null, TimeSpan? commandTimeout = null,
        TimeSpan? controlPlaneWait = null) =>
        new(spec ?? Spec(), new SshOptions
        {
            User = "debian",
            PrivateKeyPath = _lab.ClientKeyPath,
            ConnectTimeout = TimeSpan.FromSeconds(3),
            ConnectAttempts = 3,
            RetryDelay = TimeSpan.FromMilliseconds(200),
            CommandTimeout = commandTimeout ?? TimeSpan.FromMinutes(1),
        }, StatePath, KubeconfigPath, _log)
        {
            CloudInitPollInterval = TimeSpan.FromMilliseconds(300),
            CloudInitTimeout = TimeSpan.FromSeconds(30),
            ApiPollInterval = TimeSpan.FromMilliseconds(300),
            ControlPlaneWaitTimeout = controlPlaneWait ?? TimeSpan.FromSeconds(10),
            NodeRegistrationTimeout = TimeSpan.FromSeconds(10),
            AfterStep = afterStep,
        };

    private BootstrapSpec Spec(ApiAccess access = ApiAccess.Public) =>
        new() { ClusterName = "lab", KubernetesVersion = "1.35.0", Inventory = _lab.Inventory(), ApiAccess = access };

    private static IEnumerable<string> Nodes => SshLab.Nodes.Select(n => n.Name);

    private static readonly string[] Workers = ["w1", "w2"];

    private int KubeadmCalls(string node, string verb) =>
        _lab.StandInCalls(node).Count(c => c.Tool == "kubeadm" && c.Arguments.StartsWith(verb, StringComparison.Ordinal));

    /// <summary>An SSH session to a lab node the way the suite opens one (pinned key; workers through the entry).</summary>
    private async Task<RemoteNode> ConnectAsync(string name)
    {
        var inventory = _lab.Inventory();
        HostKeyPolicy Policy(InventoryNode n, string address) => new(n.Name, address, n.HostPublicKeys.Select(PinnedHostKey.Parse).ToList());
        var entry = new SshAddress("cp", inventory.SshEntry.Host, 22, Policy(inventory.ControlPlane, inventory.SshEntry.Host));
        var node = inventory.Nodes.Single(n => n.Name == name);
        var address = name == "cp" ? entry : new SshAddress(name, node.PrivateIp, 22, Policy(node, node.PrivateIp), entry);
        var remote = new RemoteNode(address, new SshOptions { User = "debian", PrivateKeyPath = _lab.ClientKeyPath, ConnectTimeout = TimeSpan.FromSeconds(5) }, _log);
        await remote.ConnectAsync(CancellationToken.None);
        return remote;
    }

    [Test]
    public async Task HappyPath_ThreeNodes_StandInsRecordInitThenParallelJoins()
    {
        foreach (var w in new[] { "w1", "w2" }) _lab.SetKnob(w, "join-seconds", "3");

        var results = await Runner().RunAsync();

        Assert.That(results.Select(r => r.Outcome), Is.All.EqualTo(StepOutcome.Ran));
        var cp = _lab.StandInCalls("cp");
        var init = cp.Single(c => c.Tool == "kubeadm" && c.Arguments.StartsWith("init", StringComparison.Ordinal));
        Assert.That(init.Arguments, Does.Match(@"^init --config /etc/platform/kubeadm/kubeadm-config\.[0-9a-f]{12}\.yaml --skip-token-print$"));
        var config = _lab.StandInFile("cp", init, init.Files.Single());
        Assert.That(config, Does.Contain("controlPlaneEndpoint: 10.124.0.10:6443"));
        Assert.That(config, Does.Contain("- " + _lab.PublicIp), "the public IP is a certificate SAN");
        Assert.That(config, Does.Contain("podSubnet: 10.244.0.0/16").And.Contain("serviceSubnet: 10.96.0.0/16"));
        Assert.That(cp.Count(c => c.Tool == "kubeadm" && c.Arguments.StartsWith("token create --ttl 0h15m0s", StringComparison.Ordinal)), Is.EqualTo(1));
        foreach (var node in Nodes)
        {
            var calls = _lab.StandInCalls(node);
            Assert.That(calls.Select(c => c.Tool), Is.SupersetOf(new[] { "kubeadm", "kubelet", "containerd" }), node);
        }

        // Parallel: both joins started before either could have finished (each takes 3 s).
        var joins = Workers.Select(w => _lab.StandInCalls(w).Single(c => c.Tool == "kubeadm" && c.Arguments == $"join --config {NodePaths.JoinConfig}")).ToList();
        Assert.That(Math.Abs(joins[0].StartedAt - joins[1].StartedAt), Is.LessThan(2.0), "the workers joined in parallel");
        var initAt = init.StartedAt;
        Assert.That(joins.Select(j => j.StartedAt), Is.All.GreaterThan(initAt), "joins come after init");

        // File discovery: the worker got the cluster CA (read from cp over SSH) and the fresh token in a discovery
        // kubeconfig; both token-bearing files were removed afterwards.
        Assert.That(joins[0].Files, Is.EqualTo(new[] { NodePaths.JoinConfig, NodePaths.DiscoveryKubeconfig }));
        var discovery = _lab.StandInFile("w1", joins[0], NodePaths.DiscoveryKubeconfig);
        var ca = File.ReadAllBytes(Path.Combine(_lab.ClusterState, "ca.crt"));
        Assert.That(discovery, Does.Contain("certificate-authority-data: " + Convert.ToBase64String(ca)).And.Contain("server: https://10.124.0.10:6443"));
        Assert.That(_lab.StandInFile("w1", joins[0], NodePaths.JoinConfig), Does.Contain("kubeConfigPath: " + NodePaths.DiscoveryKubeconfig)
            .And.Not.Contain("bootstrapToken"));
        Assert.That(_lab.NodeFileExists("w1", NodePaths.JoinConfig) || _lab.NodeFileExists("w1", NodePaths.DiscoveryKubeconfig), Is.False);

        // The control plane answered and every node is registered; init left its marker.
        Assert.That(Nodes.Select(_lab.IsRegistered), Is.All.True);
        Assert.That(cp.Where(c => c.Tool == "kubectl").Select(c => c.Arguments),
            Has.Some.EndsWith("get node w1 -o name").And.Some.EndsWith("get node w2 -o name"));
        Assert.That(_lab.NodeFileExists("cp", NodePaths.InitMarker));

        // Hardening files are on the control plane, private, and the encryption key never reached the log.
        foreach (var path in new[] { NodePaths.AuditPolicy, NodePaths.EncryptionConfig, NodePaths.AdmissionConfig, NodePaths.AuthenticationConfig })
        {
            Assert.That(_lab.NodeFileExists("cp", path), path);
            Assert.That(File.GetUnixFileMode(Path.Combine(_lab.NodeRoot("cp"), path.TrimStart('/'))),
                Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite), path);
        }
        var encryption = _lab.ReadNodeFile("cp", NodePaths.EncryptionConfig);
        var key = System.Text.RegularExpressions.Regex.Match(encryption, @"secret: (\S+)").Groups[1].Value;
        Assert.That(Convert.FromBase64String(key), Has.Length.EqualTo(32));
        Assert.That(_log.Text, Does.Not.Contain(key));
        Assert.That(Redaction.Apply(encryption), Does.Not.Contain(key));

        // The state record lists every step, and the kubeconfig exists.
        var state = BootstrapState.Load(StatePath, BootstrapState.IdOf(Spec()));
        Assert.That(state.Finished.Keys, Is.EquivalentTo(BootstrapPlan.Create(Spec()).Steps.Select(s => s.Id)));
        Assert.That(File.Exists(KubeconfigPath));
    }

    [Test]
    public async Task HostKeyMismatchOnWorker_AbortsBeforeAnyCommandOnAnyNode()
    {
        await _lab.ReplaceHostKeyAsync("w2");

        var error = Assert.ThrowsAsync<HostKeyMismatchException>(() => Runner().RunAsync());

        var pinned = await SshKeygenFingerprint(_lab.HostPublicKeyPath("w2"));
        var presented = await SshKeygenFingerprint(_lab.ImpostorPublicKeyPath("w2"));
        Assert.That(error!.Node, Is.EqualTo("w2"));
        Assert.That(error.Message, Does.Contain("w2").And.Contain("10.124.0.12").And.Contain(pinned).And.Contain(presented));
        foreach (var node in Nodes)
        {
            Assert.That(_lab.Commands(node), Is.Empty, $"no command may run on {node}");
            Assert.That(_lab.StandInCalls(node), Is.Empty, node);
        }
        Assert.That(File.Exists(KubeconfigPath), Is.False);
    }

    [Test]
    public async Task Rerun_IsNoOp_StandIn_NothingUploaded_OnlyReadOnlyChecksOfTheControlPlane()
    {
        await Runner().RunAsync();
        var callsBefore = Nodes.ToDictionary(n => n, n => _lab.StandInCalls(n).Count);
        var commandsBefore = Nodes.ToDictionary(n => n, n => _lab.Commands(n).Count);
        var kubeconfigBefore = File.GetLastWriteTimeUtc(KubeconfigPath);

        var results = await Runner().RunAsync();

        Assert.That(results.Select(r => r.Outcome), Has.None.EqualTo(StepOutcome.Ran));
        foreach (var node in Nodes)
        {
            // The detection the issue asks for (does the control plane answer, is each node registered) is a kubectl
            // read on cp; kubeadm, kubelet and containerd are not invoked again anywhere.
            var newCalls = _lab.StandInCalls(node).Skip(callsBefore[node]).ToList();
            Assert.That(newCalls.Select(c => c.Tool), Is.All.EqualTo("kubectl"), $"only reads on {node}");
            Assert.That(newCalls.Select(c => c.Arguments), Is.All.StartWith($"--kubeconfig {NodePaths.AdminKubeconfig} --request-timeout=10s get "));
            var newCommands = _lab.Commands(node).Skip(commandsBefore[node]).ToList();
            Assert.That(newCommands, Has.None.Contains("head -c").And.None.Contains("cat >"), $"nothing uploaded to {node}");
            Assert.That(newCommands, Has.None.Contains("kubeadm init").And.None.Contains("kubeadm join").And.None.Contains("kubeadm reset")
                .And.None.Contains("token create").And.None.Contains("cloud-init"), node);
        }
        Assert.That(_lab.StandInCalls("cp").Skip(callsBefore["cp"]).Select(c => c.Arguments.Split(" get ")[1]),
            Is.EquivalentTo(new[] { "--raw=/readyz", "node w1 -o name", "node w2 -o name" }));
        Assert.That(File.GetLastWriteTimeUtc(KubeconfigPath), Is.EqualTo(kubeconfigBefore));
    }

    [Test]
    public async Task Rerun_WithLostStateRecord_DetectsTheInitialisedCluster_StandIn()
    {
        await Runner().RunAsync();
        File.Delete(StatePath);

        var results = await Runner().RunAsync();

        Assert.That(results.Where(r => r.Step.Kind is StepKind.Init or StepKind.Join).Select(r => r.Outcome), Is.All.EqualTo(StepOutcome.AlreadyDone));
        Assert.That(KubeadmCalls("cp", "init"), Is.EqualTo(1));
        foreach (var w in Workers) Assert.That(KubeadmCalls(w, "join"), Is.EqualTo(1), w);
    }

    [Test]
    public async Task Rerun_JoinsTheWorkersThatAreNotJoined_ResettingOneWhoseCredentialsTheClusterNoLongerKnows_StandIn()
    {
        await Runner().RunAsync();
        // w1 lost its kubelet.conf (reset by hand) but its Node object is still there: join again.
        File.Delete(Path.Combine(_lab.NodeRoot("w1"), NodePaths.KubeletKubeconfig.TrimStart('/')));
        // w2 still holds kubelet.conf but the API server no longer lists it (Node deleted): reset, then join.
        _lab.DeleteNodeObject("w2");

        var results = await Runner().RunAsync();

        Assert.That(results.Where(r => r.Outcome == StepOutcome.Ran).Select(r => r.Step.Id), Is.EquivalentTo(new[] { "join:w1", "join:w2" }));
        Assert.That(KubeadmCalls("w1", "reset"), Is.EqualTo(0), "nothing to undo on w1");
        Assert.That(KubeadmCalls("w1", "join"), Is.EqualTo(2));
        var w2 = _lab.StandInCalls("w2").Where(c => c.Tool == "kubeadm").Select(c => c.Arguments.Split(' ')[0]).ToList();
        Assert.That(w2, Is.EqualTo(new[] { "version", "join", "reset", "join" }), "reset before the second join");
        Assert.That(Workers.Select(_lab.IsRegistered), Is.All.True);
        Assert.That(KubeadmCalls("cp", "init"), Is.EqualTo(1), "the control plane is left alone");
    }

    [Test]
    public async Task WorkerUnreachableMidway_ClearError_ThenRerunResumes_StandIn()
    {
        var runner = Runner(afterStep: async step =>
        {
            if (step.Kind == StepKind.Init) await _lab.StopNodeAsync("w2");
        });

        var error = Assert.ThrowsAsync<BootstrapFailedException>(() => runner.RunAsync());

        Assert.That(error!.Failures.Select(f => f.Step.Id), Is.EqualTo(new[] { "join:w2" }));
        Assert.That(error.Failures[0].Error, Is.TypeOf<NodeUnreachableException>());
        Assert.That(error.Message, Does.Contain("w2").And.Contain("unreachable").And.Contain("run Bootstrap again"));
        Assert.That(_lab.NodeFileExists("w1", NodePaths.KubeletKubeconfig), "w1 joined while w2 failed");
        Assert.That(File.Exists(KubeconfigPath), "the kubeconfig needs only the control plane; it was written beside the joins");
        var cloudInitChecks = Nodes.ToDictionary(n => n, n => _lab.Commands(n).Count(c => c.Contains("cloud-init status")));

        await _lab.StartNodeAsync("w2");
        var results = await Runner().RunAsync();

        var ran = results.Where(r => r.Outcome == StepOutcome.Ran).Select(r => r.Step.Id);
        Assert.That(ran, Is.EquivalentTo(new[] { "join:w2" }));
        Assert.That(_lab.StandInCalls("cp").Count(c => c.Arguments.StartsWith("init", StringComparison.Ordinal)), Is.EqualTo(1));
        foreach (var w in new[] { "w1", "w2" })
            Assert.That(_lab.StandInCalls(w).Count(c => c.Arguments.StartsWith("join", StringComparison.Ordinal)), Is.EqualTo(1), w);
        foreach (var node in Nodes)
            Assert.That(_lab.Commands(node).Count(c => c.Contains("cloud-init status")), Is.EqualTo(cloudInitChecks[node]), $"cloud-init not re-checked on {node}");
        Assert.That(File.Exists(KubeconfigPath));
    }

    [Test]
    public async Task InitFails_LeavingAdminConfAndManifests_RerunResetsAndInitialisesAgain_StandIn()
    {
        _lab.SetKnob("cp", "init-fail", "context deadline exceeded");

        var error = Assert.ThrowsAsync<BootstrapFailedException>(() => Runner().RunAsync());

        Assert.That(error!.Failures.Single().Step.Id, Is.EqualTo("init:cp"));
        Assert.That(error.Message, Does.Contain("kubeadm init failed on cp").And.Contain("wait-control-plane").And.Contain("context deadline exceeded"));
        Assert.That(_lab.StandInCalls("w1").Where(c => c.Arguments.StartsWith("join", StringComparison.Ordinal)), Is.Empty);
        // What a real kubeadm leaves when it fails while waiting for the control plane: the kubeconfigs and the static
        // Pod manifests are written, the API server does not answer. admin.conf alone does not mean "initialised".
        Assert.That(_lab.NodeFileExists("cp", NodePaths.AdminKubeconfig) && _lab.NodeFileExists("cp", NodePaths.ApiServerManifest));
        Assert.That(_lab.NodeFileExists("cp", NodePaths.InitMarker), Is.False);
        _lab.ClearKnob("cp", "init-fail");

        var results = await Runner().RunAsync();

        Assert.That(results.Where(r => r.Outcome == StepOutcome.Ran).Select(r => r.Step.Id),
            Is.EquivalentTo(new[] { "init:cp", "join:w1", "join:w2", "kubeconfig:cp" }), "cloud-init and preflight are not redone");
        var kubeadm = _lab.StandInCalls("cp").Where(c => c.Tool == "kubeadm" && !c.Arguments.StartsWith("version", StringComparison.Ordinal))
            .Select(c => c.Arguments.Split(' ')[0] + (c.Arguments.StartsWith("reset", StringComparison.Ordinal) ? " " + c.Arguments.Split(' ')[1] : "")).ToList();
        Assert.That(kubeadm, Is.EqualTo(new[] { "init", "reset -f", "init", "token" }), "the partial init is reset before the second init");
        Assert.That(_log.Text, Does.Contain("an earlier kubeadm init did not finish"));
        Assert.That(Nodes.Select(_lab.IsRegistered), Is.All.True);
    }

    [Test]
    public async Task InitialisedControlPlaneNotAnswering_IsNeverReset_RerunWaitsForIt_StandIn()
    {
        await Runner().RunAsync();
        _lab.SetKnob("cp", "apiserver-down", "1");

        var error = Assert.ThrowsAsync<BootstrapFailedException>(() => Runner(controlPlaneWait: TimeSpan.FromSeconds(2)).RunAsync());

        Assert.That(error!.Failures.Single().Step.Id, Is.EqualTo("init:cp"));
        Assert.That(error.Message, Does.Contain("never resets an initialised control plane").And.Contain("get --raw=/readyz"));
        Assert.That(KubeadmCalls("cp", "reset") + KubeadmCalls("cp", "init"), Is.EqualTo(1), "only the first init, no reset");

        // The API server comes back while the next run waits: nothing is changed.
        var back = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            _lab.ClearKnob("cp", "apiserver-down");
        });
        var results = await Runner().RunAsync();
        await back;

        Assert.That(results.Select(r => r.Outcome), Has.None.EqualTo(StepOutcome.Ran));
        Assert.That(_log.Text, Does.Contain("initialised but does not answer /readyz"));
        Assert.That(KubeadmCalls("cp", "reset") + KubeadmCalls("cp", "init"), Is.EqualTo(1));
    }

    /// <summary>
    /// The stand-in kubeadm discovers the cluster as the real one does, against the authentication configuration the
    /// control plane loaded: token discovery (what the suite used before) reads cluster-info anonymously and is refused;
    /// so is a discovery file without credentials. The same join passes once the API server allows anonymous access to
    /// cluster-info (the mutation that proves the check is specific).
    /// </summary>
    [Test]
    public async Task TokenDiscovery_AndADiscoveryFileWithoutCredentials_AreRefused_AsByTheRealApiServer_StandIn()
    {
        await Runner().RunAsync();
        using var cp = await ConnectAsync("cp");
        using var w1 = await ConnectAsync("w1");
        var printed = (await cp.RunAsync("sudo -n kubeadm token create --ttl 0h10m0s --print-join-command")).Output.Trim().Split(' ');
        var (endpoint, token, hash) = (printed[2], printed[4], printed[6]);
        var ca = (await cp.RunAsync($"sudo -n cat {NodePaths.CaCertificate}")).Output;
        var tokenDiscovery = new NodeFile(NodePaths.JoinConfig,
            "apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\ndiscovery:\n  bootstrapToken:\n" +
            $"    apiServerEndpoint: {endpoint}\n    token: {token}\n    caCertHashes:\n      - {hash}\nnodeRegistration:\n  name: w1\n", "0600", true);
        var noCredentials = new NodeFile(NodePaths.DiscoveryKubeconfig,
            $"apiVersion: v1\nkind: Config\nclusters:\n- name: lab\n  cluster:\n    server: https://{endpoint}\n" +
            $"    certificate-authority-data: {Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(ca))}\n" +
            "contexts:\n- name: d\n  context: {cluster: lab, user: nobody}\ncurrent-context: d\nusers:\n- name: nobody\n  user: {}\n", "0600", true);
        var fileDiscovery = new NodeFile(NodePaths.JoinConfig,
            $"apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\ndiscovery:\n  file:\n    kubeConfigPath: {NodePaths.DiscoveryKubeconfig}\n" +
            $"  tlsBootstrapToken: {token}\nnodeRegistration:\n  name: w1\n", "0600", true);
        async Task<RemoteResult> JoinWith(params NodeFile[] files)
        {
            Assert.That((await w1.RunAsync(RemoteCommands.KubeadmReset)).ExitCode, Is.EqualTo(0));
            var (command, input) = RemoteCommands.Upload(files);
            Assert.That((await w1.RunAsync(command, input)).ExitCode, Is.EqualTo(0));
            return await w1.RunAsync($"sudo -n kubeadm join --config {NodePaths.JoinConfig}");
        }

        var token1 = await JoinWith(tokenDiscovery);
        Assert.That(token1.ExitCode, Is.Not.EqualTo(0));
        Assert.That(token1.Error, Does.Contain("Failed to request cluster-info").And.Contain("Unauthorized"));
        var file1 = await JoinWith(noCredentials, fileDiscovery);
        Assert.That(file1.ExitCode, Is.Not.EqualTo(0));
        Assert.That(file1.Error, Does.Contain("Abort reading the cluster-info ConfigMap after timeout").And.Contain("no credentials"));

        // Mutation: an API server that lets anonymous requests read cluster-info accepts both.
        var authentication = Path.Combine(_lab.ClusterState, "authentication-config.yaml");
        var allowed = System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(authentication), @"^(\s*)- path: /healthz$",
            "$1- path: /healthz\n$1- path: /api/v1/namespaces/kube-public/configmaps/cluster-info", System.Text.RegularExpressions.RegexOptions.Multiline);
        Assert.That(allowed, Does.Contain("cluster-info"));
        File.WriteAllText(authentication, allowed);
        var token2 = await JoinWith(tokenDiscovery);
        Assert.That(token2.ExitCode, Is.EqualTo(0), token2.Error);
        var file2 = await JoinWith(noCredentials, fileDiscovery);
        Assert.That(file2.ExitCode, Is.EqualTo(0), file2.Error);
    }

    [Test]
    public async Task OnlyTheEntryIsReachableFromTheTestProcess_AndARoutingEntryWouldBeCaught()
    {
        Assert.That(await _lab.TcpConnectsAsync(_lab.PublicIp, 22, TimeSpan.FromSeconds(3)), Is.True, "the entry answers on the public link");
        foreach (var (name, _, ip) in SshLab.Nodes.Where(n => n.Name != "cp"))
            Assert.That(await _lab.TcpConnectsAsync(ip, 22, TimeSpan.FromSeconds(2)), Is.False, $"{name} ({ip}) must be reachable only through the entry");

        // Mutation: an entry host that routes between its links exposes the workers; the same check sees it.
        await _lab.EnableEntryForwardingAsync();
        Assert.That(await _lab.TcpConnectsAsync("10.124.0.11", 22, TimeSpan.FromSeconds(3)), Is.True);
    }

    [Test]
    public async Task TwoLabs_RunSideBySide_AndTearingOneDownLeavesTheOther()
    {
        await using (var second = await SshLab.StartAsync(Repo.Root, new ToolRunner(_log, ToolLocator.FromProcess())))
        {
            Assert.That(second.Slot, Is.Not.EqualTo(_lab.Slot));
            Assert.That(second.PublicIp, Is.Not.EqualTo(_lab.PublicIp));
            Assert.That(await second.TcpConnectsAsync(second.PublicIp, 22, TimeSpan.FromSeconds(3)), Is.True);
            Assert.That(await _lab.TcpConnectsAsync(_lab.PublicIp, 22, TimeSpan.FromSeconds(3)), Is.True);
            Assert.That($"bl{second.Slot}-w2-p".Length, Is.LessThanOrEqualTo(15), "interface names fit the kernel's limit");
        }

        await Runner().RunAsync();
        Assert.That(File.Exists(KubeconfigPath), "the first lab still works after the second was torn down");
    }

    [Test]
    public async Task WorkerPartitionedBeforeTheRun_RetriedWithBackoff_ThenAbortsBeforeAnyCommand()
    {
        await _lab.SetLinkAsync("w2", up: false);
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var error = Assert.ThrowsAsync<BootstrapFailedException>(() => Runner().RunAsync());

        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), "bounded by 3 attempts x 3 s plus backoff");
        Assert.That(error!.Failures.Single().Step.Id, Is.EqualTo("connect:w2"));
        Assert.That(error.Message, Does.Contain($"w2 (10.124.0.12:22 via {_lab.PublicIp}:22) is unreachable over SSH after 3 attempt(s)"));
        Assert.That(_log.Lines.Count(l => l.Contains("w2: SSH to") && l.Contains("retry")), Is.EqualTo(2));
        foreach (var node in Nodes) Assert.That(_lab.Commands(node), Is.Empty, node);
    }

    [Test]
    public async Task WorkerPartitionedMidway_ChannelTimesOut_ReportedUnreachable_ThenRerunResumes_StandIn()
    {
        var runner = Runner(afterStep: async step =>
        {
            if (step.Kind == StepKind.Init) await _lab.SetLinkAsync("w2", up: false);
        }, commandTimeout: TimeSpan.FromSeconds(4));

        var error = Assert.ThrowsAsync<BootstrapFailedException>(() => runner.RunAsync());

        Assert.That(error!.Failures.Select(f => f.Step.Id), Is.EqualTo(new[] { "join:w2" }));
        // Packets vanish: opening the command's channel times out (the command never started), so the suite
        // reconnects with backoff and then reports the node unreachable, within bounded time.
        Assert.That(error.Failures[0].Error, Is.TypeOf<NodeUnreachableException>());
        Assert.That(error.Message, Does.Contain($"w2 (10.124.0.12:22 via {_lab.PublicIp}:22) is unreachable"));
        await _lab.SetLinkAsync("w2", up: true);

        var results = await Runner().RunAsync();

        Assert.That(results.Where(r => r.Outcome == StepOutcome.Ran).Select(r => r.Step.Id), Is.EquivalentTo(new[] { "join:w2" }));
        Assert.That(_lab.StandInCalls("w2").Count(c => c.Arguments.StartsWith("join", StringComparison.Ordinal)), Is.EqualTo(1));
    }

    [Test]
    public void SlowKubeadmInit_TimesOutClearly_AndIsNotRetried_StandIn()
    {
        _lab.SetKnob("cp", "init-seconds", "8");
        var runner = new BootstrapRunner(Spec(), new SshOptions { User = "debian", PrivateKeyPath = _lab.ClientKeyPath, ConnectTimeout = TimeSpan.FromSeconds(3) },
            StatePath, KubeconfigPath, _log)
        { InitTimeout = TimeSpan.FromSeconds(3) };

        var error = Assert.ThrowsAsync<BootstrapFailedException>(() => runner.RunAsync());

        Assert.That(error!.Message, Does.Contain("init:cp").And.Contain("cp: the command did not finish within 3s"));
        Assert.That(_lab.StandInCalls("cp").Count(c => c.Arguments.StartsWith("init", StringComparison.Ordinal)), Is.EqualTo(1),
            "a command that may still be running is never started twice");
    }

    [Test]
    public void CloudInitError_ReportsTheNodeAndTheLogTail()
    {
        _lab.SetCloudInit("w1", SshLab.CloudInitState.Error,
            "Reading package lists...", "E: Version '1.35.0-1.1' for 'kubeadm' was not found", "runcmd: exit status 100");

        var error = Assert.ThrowsAsync<BootstrapFailedException>(() => Runner().RunAsync());

        var failure = error!.Failures.Single();
        Assert.That(failure.Step.Id, Is.EqualTo("cloudinit:w1"));
        Assert.That(failure.Error, Is.TypeOf<CloudInitFailedException>());
        Assert.That(error.Message, Does.Contain("status: error")
            .And.Contain("E: Version '1.35.0-1.1' for 'kubeadm' was not found")
            .And.Contain("/var/log/cloud-init-output.log"));
        Assert.That(_lab.StandInCalls("cp"), Is.Empty, "nothing is installed while a node's cloud-init failed");
    }

    [Test]
    public async Task CloudInitStillRunning_IsAwaitedUntilDone()
    {
        _lab.SetCloudInit("w2", SshLab.CloudInitState.Running);
        // cloud-init finishes only after the suite has seen it running: the suite polls again only then (a fixed delay
        // after the first poll raced with a slow `cloud-init status` on a loaded machine).
        var finisher = Task.Run(async () =>
        {
            while (_lab.Commands("w2").Count(c => c.Contains("cloud-init status")) < 2) await Task.Delay(100);
            _lab.SetCloudInit("w2", SshLab.CloudInitState.Done);
        });

        await Runner().RunAsync();
        await finisher;

        Assert.That(_lab.Commands("w2").Count(c => c.Contains("cloud-init status")), Is.GreaterThan(1), "polled while running");
        Assert.That(_log.Text, Does.Contain("w2: waiting for cloud-init (running"));
    }

    [TestCase(ApiAccess.Public, "https://{public}:6443")]
    [TestCase(ApiAccess.Tunnel, "https://127.0.0.1:16443")]
    public async Task Kubeconfig_Is0600_PointsAtTheChosenEndpoint_AndHoldsNoLabPath(ApiAccess access, string server)
    {
        server = server.Replace("{public}", _lab.PublicIp, StringComparison.Ordinal);
        await Runner(Spec(access)).RunAsync();

        Assert.That(File.GetUnixFileMode(KubeconfigPath), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        var text = File.ReadAllText(KubeconfigPath);
        Assert.That(text, Does.Not.Contain(_lab.Directory).And.Not.Contain("platform-bootstrap-lab").And.Not.Contain("/tmp/"));
        Assert.That(text, Does.Not.Contain("10.124.0.10"), "the private endpoint is not reachable from here");
        var yaml = new YamlStream();
        yaml.Load(new StringReader(text));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var cluster = (YamlMappingNode)((YamlMappingNode)((YamlSequenceNode)root["clusters"])[0])["cluster"];
        Assert.That(((YamlScalarNode)cluster["server"]).Value, Is.EqualTo(server));
        Assert.That(cluster.Children.ContainsKey("certificate-authority-data"));
        if (access == ApiAccess.Tunnel)
        {
            var init = _lab.StandInCalls("cp").Single(c => c.Arguments.StartsWith("init", StringComparison.Ordinal));
            Assert.That(_lab.StandInFile("cp", init, init.Files.Single()), Does.Contain("- 127.0.0.1"), "the tunnel address is a SAN");
        }
    }

    [Test]
    public async Task BootstrapTarget_FromSettingsAndInventory_WritesKubeconfigAndAPinnedSshConfigOpenSshAccepts()
    {
        Directory.CreateDirectory(_work);
        _lab.Inventory().Save(Path.Combine(_work, ClusterInventory.FileName));
        var env = new Dictionary<string, string>();
        var settings = SettingsLoader.Load(Repo.Root, "Bootstrap", new Dictionary<string, string>
        {
            ["output"] = _work,
            ["ssh.privateKeyPath"] = _lab.ClientKeyPath,
            ["ssh.connectTimeoutSeconds"] = "5",
            ["platform.name"] = "lab",
        }, env);
        var suite = new Suite(settings, _log, new ToolRunner(_log, new ToolLocator(env)), env);

        suite.Bootstrap();

        Assert.That(File.Exists(suite.KubeconfigPath));
        Assert.That(suite.Summary.Rows.Where(r => r.Step == "Bootstrap").Select(r => r.Status), Has.None.EqualTo(StepStatus.Failed));
        Assert.That(suite.Summary.Rows, Has.Some.Matches<SummaryRow>(r => r.Subject == "ssh w2" && r.Detail.Contains("pinned")));
        // Real OpenSSH, strict host key checking, through the written ProxyJump config and pinned known_hosts.
        var ssh = await CliWrap.Buffered.BufferedCommandExtensions.ExecuteBufferedAsync(
            CliWrap.Cli.Wrap("ssh").WithArguments(["-F", Path.Combine(_work, "bootstrap", "ssh_config"), "-o", "BatchMode=yes", "w2", "true"])
                .WithValidation(CliWrap.CommandResultValidation.None));
        Assert.That(ssh.ExitCode, Is.EqualTo(0), ssh.StandardError);
        Assert.That(_lab.Commands("w2").Last(), Is.EqualTo("true"));

        suite.Bootstrap();
        Assert.That(suite.Summary.Rows.Last().Detail, Is.EqualTo("already bootstrapped; nothing changed"));
    }

    private static async Task<string> SshKeygenFingerprint(string publicKey)
    {
        var result = await CliWrap.Buffered.BufferedCommandExtensions.ExecuteBufferedAsync(
            CliWrap.Cli.Wrap("ssh-keygen").WithArguments(["-l", "-E", "sha256", "-f", publicKey]));
        return result.StandardOutput.Split(' ')[1];
    }
}
