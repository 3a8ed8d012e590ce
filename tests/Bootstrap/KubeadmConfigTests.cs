using Platform.Build.Bootstrap;
using Platform.Build.Logging;
using YamlDotNet.RepresentationModel;

namespace Platform.Build.Tests.Bootstrap;

/// <summary>
/// The rendered kubeadm configuration and API server hardening files. No JSON schema exists for kubeadm.k8s.io,
/// kubelet.config.k8s.io, audit.k8s.io or apiserver.config.k8s.io config files (they are not served API types, so
/// the Kubernetes OpenAPI documents do not carry them); <see cref="KnownFields"/> checks their structure instead.
/// </summary>
public sealed class KubeadmConfigTests
{
    private static readonly EncryptionKey Key = EncryptionKey.Generate(new DateTimeOffset(2026, 11, 25, 5, 0, 0, TimeSpan.Zero));
    private const string Token = "abcdef.0123456789abcdef";

    private static ControlPlaneFiles Render(ApiAccess access = ApiAccess.Public) =>
        KubeadmConfig.RenderControlPlane(BootstrapTestData.Spec(access: access), Token, Key);

    private static Dictionary<string, YamlMappingNode> Documents(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents.Select(d => (YamlMappingNode)d.RootNode).ToDictionary(d => ((YamlScalarNode)d["kind"]).Value!);
    }

    private static string S(YamlNode node, params string[] path)
    {
        foreach (var p in path) node = ((YamlMappingNode)node)[p];
        return ((YamlScalarNode)node).Value!;
    }

    private static IEnumerable<string> Seq(YamlNode node, params string[] path)
    {
        foreach (var p in path) node = ((YamlMappingNode)node)[p];
        return ((YamlSequenceNode)node).Children.Select(c => ((YamlScalarNode)c).Value!);
    }

    private static Dictionary<string, string> ExtraArgs(YamlMappingNode cluster, string component) =>
        ((YamlSequenceNode)((YamlMappingNode)cluster[component])["extraArgs"]).Children.Cast<YamlMappingNode>()
        .ToDictionary(a => S(a, "name"), a => S(a, "value"));

    [Test]
    public void KubeadmConfig_HasInitClusterAndKubeletDocuments_InTheirApiVersions()
    {
        var docs = Documents(Render().KubeadmConfig.Content);
        Assert.That(docs.Keys, Is.EquivalentTo(new[] { "InitConfiguration", "ClusterConfiguration", "KubeletConfiguration" }));
        Assert.That(S(docs["InitConfiguration"], "apiVersion"), Is.EqualTo("kubeadm.k8s.io/v1beta4"));
        Assert.That(S(docs["ClusterConfiguration"], "apiVersion"), Is.EqualTo("kubeadm.k8s.io/v1beta4"));
        Assert.That(S(docs["KubeletConfiguration"], "apiVersion"), Is.EqualTo("kubelet.config.k8s.io/v1beta1"));
        Assert.That(S(docs["ClusterConfiguration"], "kubernetesVersion"), Is.EqualTo("v1.35.0"));
    }

    [Test]
    public void Endpoints_PrivateControlPlaneEndpoint_PublicIpInCertificateSans()
    {
        var cluster = Documents(Render().KubeadmConfig.Content)["ClusterConfiguration"];
        Assert.That(S(cluster, "controlPlaneEndpoint"), Is.EqualTo("10.20.0.10:6443"));
        Assert.That(Seq(cluster, "apiServer", "certSANs"), Does.Contain("203.0.113.10").And.Contain("10.20.0.10"));
        Assert.That(Seq(cluster, "apiServer", "certSANs"), Does.Not.Contain("127.0.0.1"), "loopback only for tunnel mode");
        var tunnel = Documents(Render(ApiAccess.Tunnel).KubeadmConfig.Content)["ClusterConfiguration"];
        Assert.That(Seq(tunnel, "apiServer", "certSANs"), Does.Contain("127.0.0.1"));
        var init = Documents(Render().KubeadmConfig.Content)["InitConfiguration"];
        Assert.That(S(init, "localAPIEndpoint", "advertiseAddress"), Is.EqualTo("10.20.0.10"));
    }

    [Test]
    public void Networking_MatchesTheAddressPlan()
    {
        var inventory = BootstrapTestData.Inventory() with { Network = new("10.20.0.0/24", "10.50.0.0/16", "10.60.0.0/20") };
        var cluster = Documents(KubeadmConfig.RenderControlPlane(BootstrapTestData.Spec(inventory), Token, Key).KubeadmConfig.Content)["ClusterConfiguration"];
        Assert.That(S(cluster, "networking", "podSubnet"), Is.EqualTo("10.50.0.0/16"));
        Assert.That(S(cluster, "networking", "serviceSubnet"), Is.EqualTo("10.60.0.0/20"));
    }

    [Test]
    public void ApiServer_ReadsAuditEncryptionAdmissionAndAuthenticationFiles_FromAMountedFolder()
    {
        var files = Render();
        var cluster = Documents(files.KubeadmConfig.Content)["ClusterConfiguration"];
        var args = ExtraArgs(cluster, "apiServer");
        Assert.That(args["audit-policy-file"], Is.EqualTo(files.AuditPolicy.Path));
        Assert.That(args["audit-log-path"], Does.StartWith(NodePaths.AuditLogDir));
        Assert.That(args["encryption-provider-config"], Is.EqualTo(files.EncryptionConfig.Path));
        Assert.That(args["admission-control-config-file"], Is.EqualTo(files.AdmissionConfig.Path));
        Assert.That(args["authentication-config"], Is.EqualTo(files.AuthenticationConfig.Path));
        Assert.That(args, Does.Not.ContainKey("anonymous-auth"), "--anonymous-auth conflicts with the anonymous section of the authentication config");
        Assert.That(args["profiling"], Is.EqualTo("false"));
        var volumes = ((YamlSequenceNode)((YamlMappingNode)cluster["apiServer"])["extraVolumes"]).Children.Cast<YamlMappingNode>().ToList();
        foreach (var file in new[] { files.AuditPolicy, files.EncryptionConfig, files.AdmissionConfig, files.AuthenticationConfig })
            Assert.That(volumes.Any(v => file.Path.StartsWith(S(v, "mountPath") + "/", StringComparison.Ordinal) && S(v, "readOnly") == "true"), file.Path);
        Assert.That(volumes.Any(v => S(v, "mountPath") == NodePaths.AuditLogDir && S(v, "readOnly") == "false"), "the audit log folder is writable");
    }

    [Test]
    public void Kubelet_SystemdCgroups_ReadOnlyPortOff_NoAnonymousAccess()
    {
        var kubelet = Documents(Render().KubeadmConfig.Content)["KubeletConfiguration"];
        Assert.That(S(kubelet, "cgroupDriver"), Is.EqualTo("systemd"));
        Assert.That(S(kubelet, "readOnlyPort"), Is.EqualTo("0"));
        Assert.That(S(kubelet, "authentication", "anonymous", "enabled"), Is.EqualTo("false"));
        Assert.That(S(kubelet, "authorization", "mode"), Is.EqualTo("Webhook"));
    }

    [Test]
    public void Encryption_SecretboxWithTheGeneratedKeyFirst_IdentityLast_KeyRedacted()
    {
        var file = Render().EncryptionConfig;
        var doc = Documents(file.Content)["EncryptionConfiguration"];
        var resource = (YamlMappingNode)((YamlSequenceNode)doc["resources"])[0];
        Assert.That(Seq(resource, "resources"), Is.EqualTo(new[] { "secrets" }));
        var providers = ((YamlSequenceNode)resource["providers"]).Children.Cast<YamlMappingNode>().ToList();
        Assert.That(providers.Select(p => ((YamlScalarNode)p.Children.Keys.Single()).Value), Is.EqualTo(new[] { "secretbox", "identity" }));
        var key = (YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)providers[0]["secretbox"])["keys"])[0];
        Assert.That(S(key, "secret"), Is.EqualTo(Key.Secret));
        Assert.That(Convert.FromBase64String(Key.Secret), Has.Length.EqualTo(32));
        Assert.That(file.Secret && file.Mode == "0600");
        Assert.That(Redaction.Apply(file.Content), Does.Not.Contain(Key.Secret));
        Assert.That(EncryptionKey.Generate(DateTimeOffset.UtcNow).Secret, Is.Not.EqualTo(Key.Secret), "a fresh key per cluster");
    }

    [Test]
    public void AuditPolicy_SecretsAtMetadataBeforeAnyBodyLevel_HealthProbesSkipped()
    {
        var rules = ((YamlSequenceNode)Documents(Render().AuditPolicy.Content)["Policy"]["rules"]).Children.Cast<YamlMappingNode>().ToList();
        // Audit rules are first-match: the Secrets rule must come before any rule that records bodies.
        var secrets = rules.FindIndex(r => r.Children.ContainsKey("resources") && r.ToString().Contains("secrets"));
        var firstBody = rules.FindIndex(r => S(r, "level") is "Request" or "RequestResponse");
        Assert.That(secrets, Is.GreaterThanOrEqualTo(0));
        Assert.That(S(rules[secrets], "level"), Is.EqualTo("Metadata"));
        Assert.That(secrets, Is.LessThan(firstBody));
        Assert.That(S(rules[^1], "level"), Is.EqualTo("Metadata"), "catch-all records who did what");
        Assert.That(S(rules[0], "level"), Is.EqualTo("None"));
    }

    [Test]
    public void AnonymousAccess_OnlyTheHealthEndpoints()
    {
        var doc = Documents(Render().AuthenticationConfig.Content)["AuthenticationConfiguration"];
        var paths = ((YamlSequenceNode)((YamlMappingNode)doc["anonymous"])["conditions"]).Children.Cast<YamlMappingNode>().Select(c => S(c, "path"));
        Assert.That(paths, Is.EquivalentTo(new[] { "/livez", "/readyz", "/healthz" }));
    }

    [Test]
    public void PodSecurity_EnforcesBaseline_WarnsAndAuditsRestricted()
    {
        var plugin = (YamlMappingNode)((YamlSequenceNode)Documents(Render().AdmissionConfig.Content)["AdmissionConfiguration"]["plugins"])[0];
        Assert.That(S(plugin, "name"), Is.EqualTo("PodSecurity"));
        Assert.That(S(plugin, "configuration", "defaults", "enforce"), Is.EqualTo("baseline"));
        Assert.That(S(plugin, "configuration", "defaults", "warn"), Is.EqualTo("restricted"));
        Assert.That(S(plugin, "configuration", "defaults", "audit"), Is.EqualTo("restricted"));
        Assert.That(Seq(plugin, "configuration", "exemptions", "namespaces"), Is.EqualTo(new[] { "kube-system" }));
    }

    private const string Ca = "-----BEGIN CERTIFICATE-----\nQ0EK\n-----END CERTIFICATE-----\n";

    private static JoinFiles RenderJoin() =>
        KubeadmConfig.RenderJoin(BootstrapTestData.Spec(), BootstrapTestData.Spec().Workers[0], JoinCredentials.Parse(Token, Ca));

    [Test]
    public void InitToken_IsShortLived()
    {
        var init = Documents(Render().KubeadmConfig.Content)["InitConfiguration"];
        var token = (YamlMappingNode)((YamlSequenceNode)init["bootstrapTokens"])[0];
        Assert.That(S(token, "ttl"), Is.EqualTo("0h15m0s"));
    }

    [Test]
    public void Join_UsesFileDiscovery_WithTheCaFromTheControlPlaneAndTheTokenAsCredentials()
    {
        var files = RenderJoin();
        var join = Documents(files.Config.Content)["JoinConfiguration"];
        Assert.That(S(join, "discovery", "file", "kubeConfigPath"), Is.EqualTo(files.Discovery.Path));
        Assert.That(S(join, "discovery", "tlsBootstrapToken"), Is.EqualTo(Token));
        Assert.That(((YamlMappingNode)join["discovery"]).Children.ContainsKey("bootstrapToken"), Is.False);
        Assert.That(S(join, "nodeRegistration", "name"), Is.EqualTo("seed-w1"));

        var kubeconfig = Documents(files.Discovery.Content)["Config"];
        var cluster = (YamlMappingNode)((YamlMappingNode)((YamlSequenceNode)kubeconfig["clusters"])[0])["cluster"];
        Assert.That(S(cluster, "server"), Is.EqualTo("https://10.20.0.10:6443"), "the private endpoint: the workers are on the private network");
        Assert.That(System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(S(cluster, "certificate-authority-data"))), Is.EqualTo(Ca));
        var user = (YamlMappingNode)((YamlMappingNode)((YamlSequenceNode)kubeconfig["users"])[0])["user"];
        Assert.That(S(user, "token"), Is.EqualTo(Token), "kubeadm re-reads cluster-info with these credentials: anonymous would get 401");
        Assert.That(files.All.Select(f => (f.Mode, f.Secret)), Is.All.EqualTo(("0600", true)));
        Assert.That(Redaction.Apply(files.Discovery.Content), Does.Not.Contain(Token[7..]));
    }

    /// <summary>
    /// Token discovery reads kube-public/cluster-info anonymously. While anonymous access is limited to the health
    /// endpoints, the join must not use it (and the lab's kubeadm stand-in fails it the same way).
    /// </summary>
    [Test]
    public void Join_AndAnonymousAccess_AreConsistent()
    {
        const string clusterInfo = "/api/v1/namespaces/kube-public/configmaps/cluster-info";
        var join = Documents(RenderJoin().Config.Content)["JoinConfiguration"];
        var tokenDiscovery = ((YamlMappingNode)join["discovery"]).Children.ContainsKey("bootstrapToken");
        Assert.That(tokenDiscovery && !KubeadmConfig.AnonymousPaths.Contains(clusterInfo), Is.False);
        Assert.That(KubeadmConfig.AnonymousPaths, Does.Not.Contain(clusterInfo), "anonymous access stays limited to the health endpoints");
    }

    [Test]
    public void ConfigVersion_ChangesWithInputs_NotWithSecrets()
    {
        var a = Render();
        var b = KubeadmConfig.RenderControlPlane(BootstrapTestData.Spec(), "zzzzzz.zzzzzzzzzzzzzzzz", EncryptionKey.Generate(DateTimeOffset.UtcNow));
        Assert.That(b.ConfigVersion, Is.EqualTo(a.ConfigVersion));
        var changed = BootstrapTestData.Spec() with { KubernetesVersion = "1.35.1" };
        Assert.That(KubeadmConfig.ConfigVersion(changed), Is.Not.EqualTo(a.ConfigVersion));
        Assert.That(a.KubeadmConfig.Path, Is.EqualTo($"/etc/platform/kubeadm/kubeadm-config.{a.ConfigVersion}.yaml"));
        Assert.That(a.KubeadmConfig.Content, Does.StartWith($"# Platform kubeadm configuration {a.ConfigVersion}"));
    }

    [Test]
    public void EveryRenderedDocument_UsesOnlyKnownFields()
    {
        var files = Render();
        foreach (var file in files.All.Concat(RenderJoin().All))
            Assert.That(KnownFields.Problems(file.Content), Is.Empty, file.Path);
    }

    [Test]
    public void KnownFields_Mutation_FlagsAMisspelledFieldAndV1Beta3StyleExtraArgs()
    {
        var text = Render().KubeadmConfig.Content;
        Assert.That(KnownFields.Problems(text.Replace("controlPlaneEndpoint:", "controlPlaneEndPoint:")), Has.Some.Contains("controlPlaneEndPoint"));
        var v1beta3Args = text.Replace("  extraArgs:\n    - name: profiling\n      value: \"false\"", "  extraArgs:\n    profiling: \"false\"");
        Assert.That(v1beta3Args, Is.Not.EqualTo(text));
        Assert.That(KnownFields.Problems(v1beta3Args), Has.Some.Contains("extraArgs"));
        var join = RenderJoin().Config.Content;
        Assert.That(KnownFields.Problems(join.Replace("kubeConfigPath:", "kubeconfigPath:")), Has.Some.Contains("kubeconfigPath"));
    }
}

/// <summary>
/// Structural check of the kubeadm v1beta4 / kubelet v1beta1 / apiserver config documents: the fields each object may
/// carry (from the Kubernetes 1.35 type definitions), and v1beta4's list form of extraArgs. Stands in for a schema.
/// </summary>
internal static class KnownFields
{
    private static readonly Dictionary<string, string[]> Fields = new()
    {
        ["InitConfiguration"] = ["apiVersion", "kind", "bootstrapTokens", "dryRun", "nodeRegistration", "localAPIEndpoint", "certificateKey", "skipPhases", "patches", "timeouts"],
        ["ClusterConfiguration"] = ["apiVersion", "kind", "etcd", "networking", "kubernetesVersion", "controlPlaneEndpoint", "apiServer", "controllerManager",
            "scheduler", "dns", "proxy", "certificatesDir", "imageRepository", "featureGates", "clusterName", "encryptionAlgorithm",
            "certificateValidityPeriod", "caCertificateValidityPeriod"],
        ["JoinConfiguration"] = ["apiVersion", "kind", "dryRun", "nodeRegistration", "caCertPath", "discovery", "controlPlane", "skipPhases", "patches", "timeouts"],
        ["KubeletConfiguration"] = ["apiVersion", "kind", "cgroupDriver", "readOnlyPort", "authentication", "authorization", "rotateCertificates",
            "serializeImagePulls", "serverTLSBootstrap", "protectKernelDefaults", "tlsMinVersion", "eventRecordQPS"],
        ["Policy"] = ["apiVersion", "kind", "omitStages", "rules", "omitManagedFields"],
        ["EncryptionConfiguration"] = ["apiVersion", "kind", "resources"],
        ["AdmissionConfiguration"] = ["apiVersion", "kind", "plugins"],
        ["AuthenticationConfiguration"] = ["apiVersion", "kind", "jwt", "anonymous"],
        ["nodeRegistration"] = ["name", "criSocket", "taints", "kubeletExtraArgs", "ignorePreflightErrors", "imagePullPolicy", "imagePullSerial"],
        ["apiServer"] = ["extraArgs", "extraVolumes", "extraEnvs", "certSANs"],
        ["controllerManager"] = ["extraArgs", "extraVolumes", "extraEnvs"],
        ["scheduler"] = ["extraArgs", "extraVolumes", "extraEnvs"],
        ["networking"] = ["serviceSubnet", "podSubnet", "dnsDomain"],
        ["localAPIEndpoint"] = ["advertiseAddress", "bindPort"],
        ["bootstrapToken"] = ["token", "apiServerEndpoint", "caCertHashes", "unsafeSkipCAVerification"],
        ["discovery"] = ["bootstrapToken", "file", "tlsBootstrapToken"],
        ["file"] = ["kubeConfigPath"],
        ["Config"] = ["apiVersion", "kind", "clusters", "contexts", "current-context", "users", "preferences"],
        ["cluster"] = ["server", "certificate-authority-data", "tls-server-name"],
        ["context"] = ["cluster", "user", "namespace"],
        ["user"] = ["token", "client-certificate-data", "client-key-data"],
    };

    private static readonly HashSet<string> ApiServerFlags =
    [
        "audit-policy-file", "audit-log-path", "audit-log-maxage", "audit-log-maxbackup", "audit-log-maxsize", "encryption-provider-config",
        "admission-control-config-file", "authentication-config", "enable-admission-plugins", "profiling", "tls-min-version", "node-ip",
    ];

    public static IReadOnlyList<string> Problems(string yaml)
    {
        var problems = new List<string>();
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        foreach (var doc in stream.Documents)
        {
            var root = (YamlMappingNode)doc.RootNode;
            var kind = ((YamlScalarNode)root["kind"]).Value!;
            Check(kind, root, problems);
        }
        return problems;
    }

    private static void Check(string name, YamlMappingNode map, List<string> problems)
    {
        if (Fields.TryGetValue(name, out var allowed))
            foreach (var key in map.Children.Keys.Select(k => ((YamlScalarNode)k).Value!))
                if (!allowed.Contains(key)) problems.Add($"{name}: unknown field '{key}'");
        foreach (var (k, v) in map.Children)
        {
            var key = ((YamlScalarNode)k).Value!;
            if (key is "extraArgs" or "kubeletExtraArgs")
            {
                if (v is not YamlSequenceNode args) { problems.Add($"{name}.{key}: must be a list of {{name, value}} in kubeadm v1beta4"); continue; }
                foreach (var arg in args.Children.Cast<YamlMappingNode>())
                {
                    var flag = ((YamlScalarNode)arg["name"]).Value!;
                    if (!ApiServerFlags.Contains(flag)) problems.Add($"{name}.{key}: unexpected flag '{flag}'");
                    if (arg.Children.Count != 2 || !arg.Children.ContainsKey("value")) problems.Add($"{name}.{key}: '{flag}' needs exactly name and value");
                }
            }
            else if (v is YamlMappingNode child) Check(key, child, problems);
        }
    }
}
