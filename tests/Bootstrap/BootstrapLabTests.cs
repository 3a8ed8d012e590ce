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
        _lab = await SshLab.StartAsync(Repo.Root);
        _work = Path.Combine(Path.GetTempPath(), "bootstrap-lab-work-" + Guid.NewGuid().ToString("N")[..8]);
        _log = new RecordingLog();
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

    private BootstrapRunner Runner(BootstrapSpec? spec = null, Func<BootstrapStep, Task>? afterStep = null, TimeSpan? commandTimeout = null) =>
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
            AfterStep = afterStep,
        };

    private BootstrapSpec Spec(ApiAccess access = ApiAccess.Public) =>
        new() { ClusterName = "lab", KubernetesVersion = "1.35.0", Inventory = _lab.Inventory(), ApiAccess = access };

    private static IEnumerable<string> Nodes => SshLab.Nodes.Select(n => n.Name);

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
        Assert.That(config, Does.Contain("- 10.123.0.10"), "the public IP is a certificate SAN");
        Assert.That(config, Does.Contain("podSubnet: 10.244.0.0/16").And.Contain("serviceSubnet: 10.96.0.0/16"));
        Assert.That(cp.Count(c => c.Tool == "kubeadm" && c.Arguments.StartsWith("token create --ttl 0h15m0s", StringComparison.Ordinal)), Is.EqualTo(1));
        foreach (var node in Nodes)
        {
            var calls = _lab.StandInCalls(node);
            Assert.That(calls.Select(c => c.Tool), Is.SupersetOf(new[] { "kubeadm", "kubelet", "containerd" }), node);
        }

        // Parallel: both joins started before either could have finished (each takes 3 s).
        var joins = new[] { "w1", "w2" }.Select(w => _lab.StandInCalls(w).Single(c => c.Tool == "kubeadm" && c.Arguments == $"join --config {NodePaths.JoinConfig}")).ToList();
        Assert.That(Math.Abs(joins[0].StartedAt - joins[1].StartedAt), Is.LessThan(2.0), "the workers joined in parallel");
        var initAt = init.StartedAt;
        Assert.That(joins.Select(j => j.StartedAt), Is.All.GreaterThan(initAt), "joins come after init");

        // The join config carried the fresh token and the CA pin, and was removed afterwards (it holds the token).
        var joinConfig = _lab.StandInFile("w1", joins[0], NodePaths.JoinConfig);
        Assert.That(joinConfig, Does.Match(@"caCertHashes:\s*\n\s*- sha256:[0-9a-f]{64}"));
        Assert.That(_lab.NodeFileExists("w1", NodePaths.JoinConfig), Is.False);

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

        var pinned = await SshKeygenFingerprint(Path.Combine(_lab.KeysDirectory, "w2_host_ed25519_key.pub"));
        var presented = await SshKeygenFingerprint(Path.Combine(_lab.Directory, "w2-impostor_host_ed25519_key.pub"));
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
    public async Task Rerun_IsNoOp_StandIn_NothingUploadedAndNoStandInInvoked()
    {
        await Runner().RunAsync();
        var callsBefore = Nodes.ToDictionary(n => n, n => _lab.StandInCalls(n).Count);
        var commandsBefore = Nodes.ToDictionary(n => n, n => _lab.Commands(n).Count);
        var kubeconfigBefore = File.GetLastWriteTimeUtc(KubeconfigPath);

        var results = await Runner().RunAsync();

        Assert.That(results.Select(r => r.Outcome), Has.None.EqualTo(StepOutcome.Ran));
        foreach (var node in Nodes)
        {
            Assert.That(_lab.StandInCalls(node), Has.Count.EqualTo(callsBefore[node]), $"no stand-in invoked again on {node}");
            var newCommands = _lab.Commands(node).Skip(commandsBefore[node]).ToList();
            Assert.That(newCommands, Has.None.Contains("cat >"), $"nothing uploaded to {node}");
            Assert.That(newCommands, Has.None.Contains("kubeadm").And.None.Contains("cloud-init"), node);
        }
        Assert.That(File.GetLastWriteTimeUtc(KubeconfigPath), Is.EqualTo(kubeconfigBefore));
    }

    [Test]
    public async Task Rerun_WithLostStateRecord_DetectsTheInitialisedCluster_StandIn()
    {
        await Runner().RunAsync();
        File.Delete(StatePath);
        var initsBefore = _lab.StandInCalls("cp").Count(c => c.Arguments.StartsWith("init", StringComparison.Ordinal));

        var results = await Runner().RunAsync();

        Assert.That(results.Where(r => r.Step.Kind is StepKind.Init or StepKind.Join).Select(r => r.Outcome), Is.All.EqualTo(StepOutcome.AlreadyDone));
        Assert.That(_lab.StandInCalls("cp").Count(c => c.Arguments.StartsWith("init", StringComparison.Ordinal)), Is.EqualTo(initsBefore));
        foreach (var w in new[] { "w1", "w2" })
            Assert.That(_lab.StandInCalls(w).Count(c => c.Arguments.StartsWith("join", StringComparison.Ordinal)), Is.EqualTo(1), w);
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
        Assert.That(File.Exists(KubeconfigPath), Is.False);
        var cloudInitChecks = Nodes.ToDictionary(n => n, n => _lab.Commands(n).Count(c => c.Contains("cloud-init status")));

        await _lab.StartNodeAsync("w2");
        var results = await Runner().RunAsync();

        var ran = results.Where(r => r.Outcome == StepOutcome.Ran).Select(r => r.Step.Id);
        Assert.That(ran, Is.EquivalentTo(new[] { "join:w2", "kubeconfig:cp" }));
        Assert.That(_lab.StandInCalls("cp").Count(c => c.Arguments.StartsWith("init", StringComparison.Ordinal)), Is.EqualTo(1));
        foreach (var w in new[] { "w1", "w2" })
            Assert.That(_lab.StandInCalls(w).Count(c => c.Arguments.StartsWith("join", StringComparison.Ordinal)), Is.EqualTo(1), w);
        foreach (var node in Nodes)
            Assert.That(_lab.Commands(node).Count(c => c.Contains("cloud-init status")), Is.EqualTo(cloudInitChecks[node]), $"cloud-init not re-checked on {node}");
        Assert.That(File.Exists(KubeconfigPath));
    }

    [Test]
    public async Task InitFails_ErrorCarriesKubeadmOutput_ThenRerunResumesFromInit_StandIn()
    {
        _lab.SetKnob("cp", "init-fail", "context deadline exceeded");

        var error = Assert.ThrowsAsync<BootstrapFailedException>(() => Runner().RunAsync());

        Assert.That(error!.Failures.Single().Step.Id, Is.EqualTo("init:cp"));
        Assert.That(error.Message, Does.Contain("kubeadm init failed on cp").And.Contain("context deadline exceeded"));
        Assert.That(_lab.StandInCalls("w1").Where(c => c.Arguments.StartsWith("join", StringComparison.Ordinal)), Is.Empty);
        File.Delete(Path.Combine(_lab.NodeRoot("cp"), "etc/standin/init-fail"));

        var results = await Runner().RunAsync();

        Assert.That(results.Where(r => r.Outcome == StepOutcome.Ran).Select(r => r.Step.Id),
            Is.EquivalentTo(new[] { "init:cp", "join:w1", "join:w2", "kubeconfig:cp" }), "cloud-init and preflight are not redone");
    }

    [Test]
    public async Task WorkerPartitionedBeforeTheRun_RetriedWithBackoff_ThenAbortsBeforeAnyCommand()
    {
        await _lab.SetLinkAsync("w2", up: false);
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var error = Assert.ThrowsAsync<BootstrapFailedException>(() => Runner().RunAsync());

        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), "bounded by 3 attempts x 3 s plus backoff");
        Assert.That(error!.Failures.Single().Step.Id, Is.EqualTo("connect:w2"));
        Assert.That(error.Message, Does.Contain("w2 (10.124.0.12:22 via 10.123.0.10:22) is unreachable over SSH after 3 attempt(s)"));
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
        Assert.That(error.Message, Does.Contain("w2 (10.124.0.12:22 via 10.123.0.10:22) is unreachable"));
        await _lab.SetLinkAsync("w2", up: true);

        var results = await Runner().RunAsync();

        Assert.That(results.Where(r => r.Outcome == StepOutcome.Ran).Select(r => r.Step.Id), Is.EquivalentTo(new[] { "join:w2", "kubeconfig:cp" }));
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

    [TestCase(ApiAccess.Public, "https://10.123.0.10:6443")]
    [TestCase(ApiAccess.Tunnel, "https://127.0.0.1:16443")]
    public async Task Kubeconfig_Is0600_PointsAtTheChosenEndpoint_AndHoldsNoLabPath(ApiAccess access, string server)
    {
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
