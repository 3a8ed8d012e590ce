using CliWrap;
using CliWrap.Buffered;
using Platform.Build.Bootstrap;
using Platform.Build.Inventory;
using Platform.Build.Logging;
using Platform.Build.Settings;
using Platform.Build.Tests.Support;

namespace Platform.Build.Tests.Bootstrap;

public sealed class BootstrapSpecTests
{
    [Test]
    public void ValidInventory_HasNoProblems() => Assert.That(BootstrapTestData.Spec().Validate(), Is.Empty);

    [Test]
    public void BadInventory_EachProblemNamesTheInputAndTheFix()
    {
        var inv = BootstrapTestData.Inventory();
        var nodes = inv.Nodes.ToList();
        nodes[1] = nodes[1] with { PrivateIp = "10.99.0.11" };                        // outside the node subnet
        nodes[2] = nodes[2] with { HostPublicKeys = [] };                              // nothing pinned
        nodes.Add(new InventoryNode("seed-cp2", InventoryNode.ControlPlaneRole, "10.20.0.13", ["ssh-ed25519 not-base64!"]));
        var spec = BootstrapTestData.Spec(inv with { Nodes = nodes, ApiPrivateEndpoint = "10.20.0.10" }) with { KubernetesVersion = "1.34.2" };

        var problems = spec.Validate();

        Assert.That(problems, Has.Some.Contains("2 nodes have role 'control-plane'"));
        Assert.That(problems, Has.Some.Contains("seed-w1").And.Some.Contains("outside network.nodeCidr"));
        Assert.That(problems, Has.Some.Contains("seed-w2").And.Some.Contains("no pinned host key"));
        Assert.That(problems, Has.Some.Contains("seed-cp2").And.Some.Contains("not base64"));
        Assert.That(problems, Has.Some.Contains("apiPrivateEndpoint '10.20.0.10' is not host:port"));
        Assert.That(problems, Has.Some.Contains("kubernetes.version '1.34.2'"));
        Assert.That(problems, Has.All.Contains("Fix:"));
    }

    [Test]
    public void Runner_RefusesBadInputs_BeforeConnecting()
    {
        var spec = BootstrapTestData.Spec(BootstrapTestData.Inventory() with { Nodes = [] });
        var runner = new BootstrapRunner(spec, new SshOptions { User = "debian", PrivateKeyPath = "/nonexistent" }, "/nonexistent/state.json", "/nonexistent/kubeconfig", new RecordingLog());
        var error = Assert.ThrowsAsync<BootstrapInputException>(() => runner.RunAsync());
        Assert.That(error!.Message, Does.Contain("nothing was changed"));
    }
}

public sealed class HostKeyTests
{
    [Test]
    public async Task Fingerprint_EqualsWhatSshKeygenPrints()
    {
        var dir = Directory.CreateTempSubdirectory("hostkey");
        try
        {
            var file = Path.Combine(dir.FullName, "key");
            await Cli.Wrap("ssh-keygen").WithArguments(["-q", "-t", "ed25519", "-N", "", "-C", "t", "-f", file]).ExecuteBufferedAsync();
            var printed = (await Cli.Wrap("ssh-keygen").WithArguments(["-l", "-E", "sha256", "-f", file + ".pub"]).ExecuteBufferedAsync()).StandardOutput.Split(' ')[1];
            Assert.That(PinnedHostKey.Parse(File.ReadAllText(file + ".pub")).Fingerprint, Is.EqualTo(printed));
        }
        finally { dir.Delete(recursive: true); }
    }

    [Test]
    public void Policy_AcceptsOnlyThePinnedKey_AndTheMismatchNamesHostAndBothFingerprints()
    {
        var pinned = PinnedHostKey.Parse(BootstrapTestData.Ed25519Line(1));
        var other = PinnedHostKey.Parse(BootstrapTestData.Ed25519Line(9));
        var policy = new HostKeyPolicy("seed-w2", "10.20.0.12", [pinned]);
        Assert.That(policy.Accepts(pinned.Blob), Is.True);
        Assert.That(policy.Accepts(other.Blob), Is.False);
        var error = policy.Mismatch(other.Blob, "ssh-ed25519");
        Assert.That(error.Message, Does.Contain("seed-w2").And.Contain("10.20.0.12").And.Contain(pinned.Fingerprint).And.Contain(other.Fingerprint));
    }

    [Test]
    public void Parse_RejectsAKeyWhoseBodyIsAnotherType()
    {
        var ed = BootstrapTestData.Ed25519Line(1).Split(' ')[1];
        Assert.That(PinnedHostKey.TryParse($"ssh-rsa {ed}", out _, out var problem), Is.False);
        Assert.That(problem, Does.Contain("not a 'ssh-rsa' key"));
        Assert.That(PinnedHostKey.Parse($"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAAQC7").Algorithms, Does.Contain("rsa-sha2-512"));
    }
}

public sealed class JoinCredentialsTests
{
    private const string Ca = "-----BEGIN CERTIFICATE-----\nQ0EK\n-----END CERTIFICATE-----\n";

    [Test]
    public void Parse_ReadsTheTokenAndTheCa_AndRedactsTheToken()
    {
        var join = JoinCredentials.Parse("q1w2e3.r4t5y6u7i8o9p0a1\n", Ca);
        Assert.That(join.Token, Is.EqualTo("q1w2e3.r4t5y6u7i8o9p0a1"));
        Assert.That(join.CaCertificate, Is.EqualTo(Ca));
        Assert.That(Redaction.Apply("token q1w2e3.r4t5y6u7i8o9p0a1"), Does.Not.Contain("r4t5y6u7i8o9p0a1"));
        Assert.That(join.ToString(), Does.Not.Contain("r4t5y6u7i8o9p0a1"));
    }

    [Test]
    public void Parse_SplitsTheTokenFromTheCa_AsPrintedInOneCommand()
    {
        var join = JoinCredentials.Parse("q1w2e3.r4t5y6u7i8o9p0a1\n" + Ca);
        Assert.That(join.Token, Is.EqualTo("q1w2e3.r4t5y6u7i8o9p0a1"));
        Assert.That(join.CaCertificate, Is.EqualTo(Ca));
        Assert.That(() => JoinCredentials.Parse("q1w2e3.r4t5y6u7i8o9p0a1\n"), Throws.TypeOf<FormatException>().With.Message.Contains(NodePaths.CaCertificate));
    }

    [Test]
    public void Parse_RefusesOutputWithoutAToken() =>
        Assert.That(() => JoinCredentials.Parse("failed to create bootstrap token\n", Ca),
            Throws.TypeOf<FormatException>().With.Message.Contains("no bootstrap token"));

    [Test]
    public void Parse_RefusesACaThatIsNotAPemCertificate() =>
        Assert.That(() => JoinCredentials.Parse("q1w2e3.r4t5y6u7i8o9p0a1", "cat: /etc/kubernetes/pki/ca.crt: No such file or directory"),
            Throws.TypeOf<FormatException>().With.Message.Contains(NodePaths.CaCertificate));

    [Test]
    public void GeneratedToken_HasKubeadmFormat() => Assert.That(BootstrapToken.IsValid(BootstrapToken.Generate()));
}

public sealed class BootstrapDecisionTests
{
    [TestCase(true, true, true, InitAction.AlreadyDone)]
    [TestCase(true, true, false, InitAction.WaitForApiServer)]
    [TestCase(false, true, false, InitAction.ResetThenInit)]
    [TestCase(false, true, true, InitAction.ResetThenInit)]
    [TestCase(false, false, false, InitAction.Init)]
    public void Init_DoneOnlyWhenInitialisedAndAnswering_NeverResetsAnInitialisedControlPlane(bool initialised, bool leftovers, bool answers, InitAction expected) =>
        Assert.That(BootstrapDecisions.Init(new ControlPlaneState(initialised, leftovers, answers)), Is.EqualTo(expected));

    [TestCase(true, true, JoinAction.AlreadyDone)]
    [TestCase(false, false, JoinAction.Join)]
    [TestCase(false, true, JoinAction.Join)]
    [TestCase(true, false, JoinAction.ResetThenJoin)]
    public void Join_DoneOnlyWhenJoinedOnDiskAndRegistered(bool onDisk, bool registered, JoinAction expected) =>
        Assert.That(BootstrapDecisions.Join(onDisk, registered), Is.EqualTo(expected));
}

public sealed class RemoteCommandTests
{
    [TestCase("status: done\n", "done")]
    [TestCase("status: running\ntime: x\n", "running")]
    [TestCase("\nstatus: error\nboot_status_code: enabled-by-sysvinit\n", "error")]
    [TestCase("garbage", "unknown")]
    public void CloudInitStatus_IsParsed(string output, string status) =>
        Assert.That(RemoteCommands.ParseCloudInitStatus(output), Is.EqualTo(status));

    [Test]
    public void ToolVersions_MustMatchThePinnedKubernetesVersion()
    {
        const string good = "kubeadm=v1.35.0\nkubelet=Kubernetes v1.35.0\ncontainerd=containerd github.com/containerd/containerd/v2 v2.1.4\n";
        Assert.That(RemoteCommands.CheckToolVersions(good, "1.35.0"), Is.Empty);
        var bad = good.Replace("Kubernetes v1.35.0", "Kubernetes v1.34.3").Replace("containerd=containerd", "containerd=sh: containerd: not found");
        var problems = RemoteCommands.CheckToolVersions(bad, "1.35.0");
        Assert.That(problems, Has.Some.Contains("kubelet is v1.34.3"));
        Assert.That(problems, Has.Some.Contains("containerd is not installed"));
    }

    private static async Task<BufferedCommandResult> RunLocally((string Command, string Input) upload, string? input = null) =>
        // The real command through a real shell, with sudo replaced by a pass-through (the test already runs as the target user).
        await Cli.Wrap("sh").WithArguments(["-c", upload.Command.Replace("sudo -n ", "", StringComparison.Ordinal)])
            .WithStandardInputPipe(PipeSource.FromString(input ?? upload.Input)).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();

    [Test]
    public async Task Upload_WritesEveryFileFromStdinPrivately_InOneCommand_UnderAnyPathQuoting()
    {
        var dir = Directory.CreateTempSubdirectory("upload it's");
        try
        {
            var first = new NodeFile(Path.Combine(dir.FullName, "sub dir", "a.yaml"), "secret: x\n", "0600", Secret: true);
            var second = new NodeFile(Path.Combine(dir.FullName, "other", "b.yaml"), "name: ü\n", "0644", Secret: false);

            var result = await RunLocally(RemoteCommands.Upload([first, second]));

            Assert.That(result.ExitCode, Is.EqualTo(0), result.StandardError);
            Assert.That(File.ReadAllText(first.Path), Is.EqualTo(first.Content));
            Assert.That(File.ReadAllText(second.Path), Is.EqualTo(second.Content), "byte counts, not characters");
            if (!OperatingSystem.IsWindows())
            {
                Assert.That(File.GetUnixFileMode(first.Path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
                Assert.That(File.GetUnixFileMode(second.Path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead));
            }
        }
        finally { dir.Delete(recursive: true); }
    }

    [Test]
    public async Task Upload_Mutation_ACutStream_FailsAndPutsNoFileInPlace()
    {
        var dir = Directory.CreateTempSubdirectory("upload-cut");
        try
        {
            var first = new NodeFile(Path.Combine(dir.FullName, "a.yaml"), "complete: true\n", "0600", Secret: false);
            var second = new NodeFile(Path.Combine(dir.FullName, "b.yaml"), "cut: here\n", "0600", Secret: false);
            var upload = RemoteCommands.Upload([first, second]);

            var result = await RunLocally(upload, upload.Input[..^4]);

            Assert.That(result.ExitCode, Is.Not.EqualTo(0));
            Assert.That(File.Exists(first.Path) || File.Exists(second.Path), Is.False, "nothing lands unless every file arrived whole");
        }
        finally { dir.Delete(recursive: true); }
    }

    [Test]
    public void RemoteFailure_MessageIsRedacted()
    {
        var token = BootstrapToken.Generate();
        var error = new RemoteCommandException("cp", "kubeadm init", 1, $"kubeadm join 10.20.0.10:6443 --token {token}");
        Assert.That(error.Message, Does.Not.Contain(token).And.Contain(Redaction.Mask));
    }

    [Test]
    public void MutatingCommands_AreGuarded_AndTheJoinFilesAreRemoved()
    {
        var init = RemoteCommands.KubeadmInit("/etc/platform/kubeadm/c.yaml");
        Assert.That(init, Does.Contain("then exit 0; fi; kubeadm init"), "a retried init whose marker matches the CA does nothing");
        Assert.That(init, Does.Contain($"> \"$marker.part\" && mv -f \"$marker.part\" \"$marker\""), "the marker is written only after init exits 0");
        var join = RemoteCommands.KubeadmJoin(NodePaths.JoinConfig, NodePaths.DiscoveryKubeconfig);
        Assert.That(join, Does.Contain("if test -f /etc/kubernetes/kubelet.conf"));
        Assert.That(join, Does.Contain($"rm -f '\\''{NodePaths.JoinConfig}'\\'' '\\''{NodePaths.DiscoveryKubeconfig}'\\''"), "the token-bearing files are removed");
        Assert.That(RemoteCommands.CreateJoinCredentials(TimeSpan.FromMinutes(15)), Does.Contain("kubeadm token create --ttl 0h15m0s")
            .And.Contain("&& cat /etc/kubernetes/pki/ca.crt").And.Not.Contain("--print-join-command"), "file discovery needs no join command");
    }

    [Test]
    public void ControlPlaneProbe_AsksReadyzWithTheAdminKubeconfig_AndIsParsed()
    {
        Assert.That(RemoteCommands.ControlPlaneProbe, Does.Contain("kubectl --kubeconfig /etc/kubernetes/admin.conf --request-timeout=10s get --raw=/readyz"));
        Assert.That(RemoteCommands.ParseControlPlaneProbe("marker=valid\nfiles=present\napi=ok\n"), Is.EqualTo(new ControlPlaneState(true, true, true)));
        Assert.That(RemoteCommands.ParseControlPlaneProbe("marker=stale\nfiles=present\napi=down\n"), Is.EqualTo(new ControlPlaneState(false, true, false)));
        Assert.That(RemoteCommands.ParseControlPlaneProbe("sudo: a password is required\n"), Is.EqualTo(new ControlPlaneState(false, false, false)));
    }

    [Test]
    public void NodeLookup_RegisteredNotFoundOrNoAnswer()
    {
        Assert.That(RemoteCommands.ParseNodeLookup("w1", 0, "node/w1\n", ""), Is.True);
        Assert.That(RemoteCommands.ParseNodeLookup("w1", 1, "", "Error from server (NotFound): nodes \"w1\" not found\n"), Is.False);
        Assert.That(RemoteCommands.ParseNodeLookup("w1", 1, "", "The connection to the server 10.20.0.10:6443 was refused\n"), Is.Null,
            "an API server that does not answer says nothing about the node");
        Assert.That(RemoteCommands.ParseNodeLookup("w1", 0, "node/w10\n", ""), Is.Null);
    }
}

public sealed class BootstrapPlanTests
{
    [Test]
    public void Plan_CloudInitThenPreflightThenInit_ThenParallelJoinsBesideTheKubeconfig()
    {
        var plan = BootstrapPlan.Create(BootstrapTestData.Spec());
        Assert.That(plan.Phases.Select(p => string.Join(",", p.Select(s => s.Id))), Is.EqualTo(new[]
        {
            "cloudinit:seed-cp,cloudinit:seed-w1,cloudinit:seed-w2",
            "preflight:seed-cp,preflight:seed-w1,preflight:seed-w2",
            "init:seed-cp",
            "join:seed-w1,join:seed-w2,kubeconfig:seed-cp",
        }));
    }

    [Test]
    public void SequentialMode_OneJoinPerPhase_OnlyTheJoinsAreSerialised()
    {
        var plan = BootstrapPlan.Create(BootstrapTestData.Spec(mode: JoinMode.Sequential));
        Assert.That(plan.Phases.Skip(3).Select(p => string.Join(",", p.Select(s => s.Id))),
            Is.EqualTo(new[] { "join:seed-w1,kubeconfig:seed-cp", "join:seed-w2" }));
    }

    [Test]
    public void NoWorkers_TheKubeconfigFollowsInit()
    {
        var inventory = BootstrapTestData.Inventory();
        var plan = BootstrapPlan.Create(BootstrapTestData.Spec(inventory with { Nodes = inventory.Nodes.Take(1).ToList() }));
        Assert.That(plan.Phases[^1].Select(s => s.Id), Is.EqualTo(new[] { "kubeconfig:seed-cp" }));
    }

    [Test]
    public void State_RecordsSteps_AndIgnoresTheStateOfAnotherCluster()
    {
        var dir = Directory.CreateTempSubdirectory("state");
        try
        {
            var path = Path.Combine(dir.FullName, "state.json");
            var spec = BootstrapTestData.Spec();
            var step = BootstrapPlan.Create(spec).Steps.First();
            BootstrapState.Load(path, BootstrapState.IdOf(spec)).MarkDone(step, path, DateTimeOffset.UtcNow);
            Assert.That(BootstrapState.Load(path, BootstrapState.IdOf(spec)).IsDone(step));

            var rebuilt = BootstrapTestData.Inventory();
            var nodes = rebuilt.Nodes.ToList();
            nodes[0] = nodes[0] with { HostPublicKeys = [BootstrapTestData.Ed25519Line(42)] };
            var other = BootstrapTestData.Spec(rebuilt with { Nodes = nodes });
            Assert.That(BootstrapState.Load(path, BootstrapState.IdOf(other)).IsDone(step), Is.False, "new VMs: start over");
            Assert.That(File.ReadAllText(path), Does.Not.Contain("ssh-ed25519"));
        }
        finally { dir.Delete(recursive: true); }
    }
}

public sealed class KubeconfigTests
{
    private const string AdminConf = """
        apiVersion: v1
        kind: Config
        clusters:
        - cluster:
            certificate-authority-data: Q0EK
            server: https://10.20.0.10:6443
          name: seed
        contexts:
        - context: {cluster: seed, user: kubernetes-admin}
          name: kubernetes-admin@seed
        current-context: kubernetes-admin@seed
        users:
        - name: kubernetes-admin
          user:
            client-certificate-data: Q0VSVAo=
            client-key-data: S0VZLXNlY3JldC12YWx1ZQ==
        """;

    [TestCase(ApiAccess.Public, "server: https://203.0.113.10:6443")]
    [TestCase(ApiAccess.Tunnel, "server: https://127.0.0.1:16443")]
    public void Rewrite_PointsAtTheChosenEndpoint_AndRedactsTheClientKey(ApiAccess access, string expected)
    {
        var text = Kubeconfig.Rewrite(AdminConf, Kubeconfig.ServerFor(BootstrapTestData.Spec(access: access)));
        Assert.That(text, Does.Contain(expected).And.Not.Contain("10.20.0.10"));
        Assert.That(Redaction.Apply(text), Does.Not.Contain("S0VZLXNlY3JldC12YWx1ZQ=="));
    }

    [Test]
    public void Rewrite_RefusesFileReferences()
    {
        var withPath = AdminConf.Replace("certificate-authority-data: Q0EK", "certificate-authority: /etc/kubernetes/pki/ca.crt");
        Assert.That(() => Kubeconfig.Rewrite(withPath, "https://x:6443"), Throws.TypeOf<InvalidDataException>().With.Message.Contains("certificate-authority"));
        Assert.That(() => Kubeconfig.Rewrite("kind: Pod", "https://x:6443"), Throws.TypeOf<InvalidDataException>());
    }

    [Test, System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void SecureFile_Creates0600_EvenOverAWorldReadableFile()
    {
        var dir = Directory.CreateTempSubdirectory("kc");
        try
        {
            var path = Path.Combine(dir.FullName, "kubeconfig");
            File.WriteAllText(path, "old");
            File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100);
            Platform.Build.Files.SecureFile.WriteAllText(path, "new");
            Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
            Assert.That(File.ReadAllText(path), Is.EqualTo("new"));
        }
        finally { dir.Delete(recursive: true); }
    }
}

public sealed class BootstrapSettingsTests
{
    private static PlatformSettings Load(params (string Key, string Value)[] args) =>
        SettingsLoader.Load(Repo.Root, "Bootstrap", args.ToDictionary(a => a.Key, a => a.Value), new Dictionary<string, string>());

    [Test]
    public void Defaults_AreParallelJoinsPublicApiAndAShortToken()
    {
        var s = Load(("ssh.privateKeyPath", "/tmp/key"));
        Assert.That(s.Get("bootstrap.joinMode"), Is.EqualTo("parallel"));
        Assert.That(s.Get("bootstrap.apiAccess"), Is.EqualTo("public"));
        Assert.That(s.GetInt("bootstrap.joinTokenTtlMinutes"), Is.EqualTo(15));
    }

    [Test]
    public void SshPort_IsNotASetting_TheEntryPortComesFromTheInventory()
    {
        var error = Assert.Throws<SettingsException>(() => Load(("ssh.privateKeyPath", "/tmp/key"), ("ssh.port", "2222")));
        Assert.That(error!.Errors.Select(e => e.Key), Does.Contain("ssh.port"), "a setting nothing reads must not be accepted silently");
    }

    [Test]
    public void BadValues_AreRejectedWithTheKey()
    {
        var error = Assert.Throws<SettingsException>(() => Load(("ssh.privateKeyPath", "/tmp/key"), ("bootstrap.joinMode", "eventually"), ("bootstrap.joinTokenTtlMinutes", "1440")));
        Assert.That(error!.Errors.Select(e => e.Key), Is.SupersetOf(new[] { "bootstrap.joinMode", "bootstrap.joinTokenTtlMinutes" }));
    }
}
