using System.Security.Cryptography;
using System.Text;
using YamlDotNet.Serialization;

namespace Platform.Build.Bootstrap;

/// <summary>Where the rendered files live on the control plane. The API server mounts <see cref="ApiServerConfigDir"/> read-only.</summary>
public static class NodePaths
{
    public const string KubeadmConfigDir = "/etc/platform/kubeadm";
    public const string ApiServerConfigDir = "/etc/kubernetes/platform";
    public const string AuditPolicy = ApiServerConfigDir + "/audit-policy.yaml";
    public const string EncryptionConfig = ApiServerConfigDir + "/encryption-config.yaml";
    public const string AdmissionConfig = ApiServerConfigDir + "/admission-config.yaml";
    public const string AuthenticationConfig = ApiServerConfigDir + "/authentication-config.yaml";
    public const string AuditLogDir = "/var/log/kubernetes/audit";
    public const string AuditLog = AuditLogDir + "/audit.log";
    public const string AdminKubeconfig = "/etc/kubernetes/admin.conf";
    public const string KubeletKubeconfig = "/etc/kubernetes/kubelet.conf";
    public const string CaCertificate = "/etc/kubernetes/pki/ca.crt";
    public const string ApiServerManifest = "/etc/kubernetes/manifests/kube-apiserver.yaml";
    public const string EtcdDataDir = "/var/lib/etcd";
    public const string JoinConfig = KubeadmConfigDir + "/join-config.yaml";
    /// <summary>The kubeconfig a worker discovers the cluster from (CA, private endpoint, join token); removed after the join.</summary>
    public const string DiscoveryKubeconfig = KubeadmConfigDir + "/discovery.conf";
    /// <summary>
    /// Written by Bootstrap when `kubeadm init` exits 0: the SHA-256 of the cluster CA. It tells a finished init from a
    /// failed one (kubeadm writes admin.conf and the manifests before it waits for the control plane), and goes stale
    /// when the CA changes (a `kubeadm reset` by hand), so it never vouches for another cluster.
    /// </summary>
    public const string InitMarker = KubeadmConfigDir + "/init-complete";
    public const string CriSocket = "unix:///run/containerd/containerd.sock";

    public static string KubeadmConfig(string version) => $"{KubeadmConfigDir}/kubeadm-config.{version}.yaml";
}

/// <summary>A file to place on a node: content, absolute path, mode. Secret files are never logged.</summary>
public sealed record NodeFile(string Path, string Content, string Mode, bool Secret);

/// <summary>The files `kubeadm join` needs on a worker: the discovery kubeconfig and the join configuration (both hold the token).</summary>
public sealed record JoinFiles(NodeFile Discovery, NodeFile Config)
{
    public IReadOnlyList<NodeFile> All => [Discovery, Config];
}

/// <summary>The files `kubeadm init` needs on the control plane, and the configuration's version.</summary>
public sealed record ControlPlaneFiles(string ConfigVersion, NodeFile KubeadmConfig, NodeFile AuditPolicy,
    NodeFile EncryptionConfig, NodeFile AdmissionConfig, NodeFile AuthenticationConfig)
{
    public IReadOnlyList<NodeFile> All => [AuditPolicy, EncryptionConfig, AdmissionConfig, AuthenticationConfig, KubeadmConfig];
}

/// <summary>
/// Renders the kubeadm configuration (kubeadm.k8s.io/v1beta4 InitConfiguration + ClusterConfiguration,
/// kubelet.config.k8s.io/v1beta1 KubeletConfiguration) and the API server's hardening files. Pure: same inputs, same text.
/// </summary>
public static class KubeadmConfig
{
    /// <summary>Bumped when the rendering changes; part of the config version in the file name.</summary>
    public const string RendererRevision = "1";
    public const string KubeadmApiVersion = "kubeadm.k8s.io/v1beta4";
    public const int ApiServerPort = 6443;

    private static readonly ISerializer Serializer = new SerializerBuilder()
        .WithQuotingNecessaryStrings()
        .WithIndentedSequences()
        .Build();

    /// <summary>
    /// Version of the kubeadm configuration: a hash of everything it is derived from except secrets, so the same
    /// inputs give the same file name and a changed input gives a new one (the old stays on the node for audit).
    /// </summary>
    public static string ConfigVersion(BootstrapSpec spec)
    {
        var inv = spec.Inventory;
        var input = string.Join('\n', RendererRevision, spec.ClusterName, spec.KubernetesVersion, inv.ApiPrivateEndpoint,
            inv.ApiPublicEndpoint, inv.PublicIp, inv.Network.PodCidr, inv.Network.ServiceCidr, spec.ControlPlane.Name,
            spec.ControlPlane.PrivateIp);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(input)))[..12];
    }

    public static ControlPlaneFiles RenderControlPlane(BootstrapSpec spec, string bootstrapToken, EncryptionKey key)
    {
        var version = ConfigVersion(spec);
        var kubeadm = $"# Platform kubeadm configuration {version} (Kubernetes {spec.KubernetesVersion}), rendered by Platform.Build.\n" +
                      Documents(InitConfiguration(spec, bootstrapToken), ClusterConfiguration(spec), KubeletConfiguration());
        return new ControlPlaneFiles(version,
            new NodeFile(NodePaths.KubeadmConfig(version), kubeadm, "0600", Secret: true),
            new NodeFile(NodePaths.AuditPolicy, Documents(AuditPolicy()), "0600", Secret: false),
            new NodeFile(NodePaths.EncryptionConfig, Documents(EncryptionConfiguration(key)), "0600", Secret: true),
            new NodeFile(NodePaths.AdmissionConfig, Documents(AdmissionConfiguration()), "0600", Secret: false),
            new NodeFile(NodePaths.AuthenticationConfig, Documents(AuthenticationConfiguration()), "0600", Secret: false));
    }

    public static JoinFiles RenderJoin(BootstrapSpec spec, Inventory.InventoryNode worker, JoinCredentials join) =>
        new(new NodeFile(NodePaths.DiscoveryKubeconfig, Documents(DiscoveryKubeconfig(spec, join)), "0600", Secret: true),
            new NodeFile(NodePaths.JoinConfig, Documents(JoinConfiguration(worker, join)), "0600", Secret: true));

    public static string Documents(params object[] documents) =>
        string.Join("---\n", documents.Select(d => Serializer.Serialize(d)));

    internal static Dictionary<string, object> InitConfiguration(BootstrapSpec spec, string bootstrapToken) => new()
    {
        ["apiVersion"] = KubeadmApiVersion,
        ["kind"] = "InitConfiguration",
        // kubeadm always creates a bootstrap token at init; give it a short life. Joins use a fresh one.
        ["bootstrapTokens"] = new[]
        {
            new Dictionary<string, object>
            {
                ["token"] = bootstrapToken,
                ["description"] = "platform bootstrap init token (short-lived)",
                ["ttl"] = Duration(spec.JoinTokenTtl),
                ["usages"] = new[] { "signing", "authentication" },
                ["groups"] = new[] { "system:bootstrappers:kubeadm:default-node-token" },
            },
        },
        ["localAPIEndpoint"] = new Dictionary<string, object>
        {
            ["advertiseAddress"] = spec.ControlPlane.PrivateIp,
            ["bindPort"] = ApiServerPort,
        },
        ["nodeRegistration"] = NodeRegistration(spec.ControlPlane, controlPlane: true),
    };

    internal static Dictionary<string, object> ClusterConfiguration(BootstrapSpec spec)
    {
        var inv = spec.Inventory;
        BootstrapSpec.TrySplitEndpoint(inv.ApiPublicEndpoint, out var publicHost, out _);
        var sans = new List<string> { inv.PublicIp, publicHost, spec.ControlPlane.PrivateIp, spec.ControlPlane.Name };
        // The tunnel mode reaches the API as https://127.0.0.1:<port>; the certificate must cover it.
        if (spec.ApiAccess == ApiAccess.Tunnel) sans.AddRange(["127.0.0.1", "localhost"]);
        return new Dictionary<string, object>
        {
            ["apiVersion"] = KubeadmApiVersion,
            ["kind"] = "ClusterConfiguration",
            ["clusterName"] = spec.ClusterName,
            ["kubernetesVersion"] = "v" + spec.KubernetesVersion,
            ["controlPlaneEndpoint"] = inv.ApiPrivateEndpoint,
            ["networking"] = new Dictionary<string, object>
            {
                ["podSubnet"] = inv.Network.PodCidr,
                ["serviceSubnet"] = inv.Network.ServiceCidr,
                ["dnsDomain"] = "cluster.local",
            },
            ["apiServer"] = new Dictionary<string, object>
            {
                ["certSANs"] = sans.Where(s => s.Length > 0).Distinct().ToList(),
                ["extraArgs"] = Args(
                    ("audit-policy-file", NodePaths.AuditPolicy),
                    ("audit-log-path", NodePaths.AuditLog),
                    ("audit-log-maxage", "30"),
                    ("audit-log-maxbackup", "10"),
                    ("audit-log-maxsize", "100"),
                    ("encryption-provider-config", NodePaths.EncryptionConfig),
                    ("admission-control-config-file", NodePaths.AdmissionConfig),
                    ("authentication-config", NodePaths.AuthenticationConfig),
                    ("enable-admission-plugins", "NodeRestriction"),
                    ("profiling", "false"),
                    ("tls-min-version", "VersionTLS12")),
                ["extraVolumes"] = new[]
                {
                    Volume("platform-config", NodePaths.ApiServerConfigDir, readOnly: true, "DirectoryOrCreate"),
                    Volume("audit-log", NodePaths.AuditLogDir, readOnly: false, "DirectoryOrCreate"),
                },
            },
            ["controllerManager"] = new Dictionary<string, object> { ["extraArgs"] = Args(("profiling", "false")) },
            ["scheduler"] = new Dictionary<string, object> { ["extraArgs"] = Args(("profiling", "false")) },
            ["etcd"] = new Dictionary<string, object> { ["local"] = new Dictionary<string, object> { ["dataDir"] = "/var/lib/etcd" } },
            ["encryptionAlgorithm"] = "ECDSA-P256",
            ["certificateValidityPeriod"] = "8760h0m0s",
            ["caCertificateValidityPeriod"] = "87600h0m0s",
        };
    }

    internal static Dictionary<string, object> KubeletConfiguration() => new()
    {
        ["apiVersion"] = "kubelet.config.k8s.io/v1beta1",
        ["kind"] = "KubeletConfiguration",
        ["cgroupDriver"] = "systemd",
        ["readOnlyPort"] = 0,
        ["authentication"] = new Dictionary<string, object>
        {
            ["anonymous"] = new Dictionary<string, object> { ["enabled"] = false },
            ["webhook"] = new Dictionary<string, object> { ["enabled"] = true },
            ["x509"] = new Dictionary<string, object> { ["clientCAFile"] = "/etc/kubernetes/pki/ca.crt" },
        },
        ["authorization"] = new Dictionary<string, object> { ["mode"] = "Webhook" },
        ["rotateCertificates"] = true,
        ["serializeImagePulls"] = false,
    };

    /// <summary>
    /// File discovery, not token discovery: token discovery reads the ConfigMap kube-public/cluster-info anonymously,
    /// which the API server refuses (anonymous access is limited to the health endpoints). The worker instead trusts
    /// the CA that Bootstrap read from the control plane over the host-key-pinned SSH connection.
    /// </summary>
    internal static Dictionary<string, object> JoinConfiguration(Inventory.InventoryNode worker, JoinCredentials join) => new()
    {
        ["apiVersion"] = KubeadmApiVersion,
        ["kind"] = "JoinConfiguration",
        ["discovery"] = new Dictionary<string, object>
        {
            ["file"] = new Dictionary<string, object> { ["kubeConfigPath"] = NodePaths.DiscoveryKubeconfig },
            ["tlsBootstrapToken"] = join.Token,
        },
        ["nodeRegistration"] = NodeRegistration(worker, controlPlane: false),
    };

    /// <summary>
    /// The discovery kubeconfig: the cluster CA and the private API endpoint, and the join token as its credentials.
    /// kubeadm re-reads cluster-info with the file's credentials before it joins: with the token the API server answers
    /// 403 (kubeadm grants cluster-info to the anonymous user only) or the ConfigMap, both of which kubeadm accepts;
    /// without credentials it would answer 401, which kubeadm retries until the discovery timeout.
    /// </summary>
    internal static Dictionary<string, object> DiscoveryKubeconfig(BootstrapSpec spec, JoinCredentials join) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Config",
        ["clusters"] = new[]
        {
            new Dictionary<string, object>
            {
                ["name"] = spec.ClusterName,
                ["cluster"] = new Dictionary<string, object>
                {
                    ["server"] = $"https://{spec.Inventory.ApiPrivateEndpoint}",
                    ["certificate-authority-data"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(join.CaCertificate)),
                },
            },
        },
        ["contexts"] = new[]
        {
            new Dictionary<string, object>
            {
                ["name"] = "tls-bootstrap",
                ["context"] = new Dictionary<string, object> { ["cluster"] = spec.ClusterName, ["user"] = "tls-bootstrap-token-user" },
            },
        },
        ["current-context"] = "tls-bootstrap",
        ["users"] = new[]
        {
            new Dictionary<string, object>
            {
                ["name"] = "tls-bootstrap-token-user",
                ["user"] = new Dictionary<string, object> { ["token"] = join.Token },
            },
        },
    };

    /// <summary>Audit policy (ISO 27001 8.15): metadata only for Secrets and tokens, request bodies for changes, nothing for health probes.</summary>
    internal static Dictionary<string, object> AuditPolicy() => new()
    {
        ["apiVersion"] = "audit.k8s.io/v1",
        ["kind"] = "Policy",
        ["omitStages"] = new[] { "RequestReceived" },
        ["rules"] = new object[]
        {
            new Dictionary<string, object>
            {
                ["level"] = "None",
                ["nonResourceURLs"] = new[] { "/healthz*", "/livez*", "/readyz*", "/version" },
            },
            new Dictionary<string, object>
            {
                ["level"] = "None",
                ["users"] = new[] { "system:kube-proxy" },
                ["verbs"] = new[] { "watch" },
                ["resources"] = new[] { Resources("", "endpoints", "services", "services/status") },
            },
            new Dictionary<string, object>
            {
                // Never record Secret or token bodies: metadata (who, what, when) only.
                ["level"] = "Metadata",
                ["resources"] = new[]
                {
                    Resources("", "secrets", "configmaps", "serviceaccounts/token"),
                    Resources("authentication.k8s.io", "tokenreviews"),
                },
            },
            new Dictionary<string, object>
            {
                ["level"] = "RequestResponse",
                ["verbs"] = new[] { "create", "update", "patch", "delete", "deletecollection" },
                ["resources"] = new[] { new Dictionary<string, object> { ["group"] = "rbac.authorization.k8s.io" } },
            },
            new Dictionary<string, object>
            {
                ["level"] = "Request",
                ["verbs"] = new[] { "create", "update", "patch", "delete", "deletecollection" },
            },
            new Dictionary<string, object> { ["level"] = "Metadata" },
        },
    };

    /// <summary>Encryption at rest for Secrets (ISO 27001 8.24); identity stays last so data written before still reads.</summary>
    internal static Dictionary<string, object> EncryptionConfiguration(EncryptionKey key) => new()
    {
        ["apiVersion"] = "apiserver.config.k8s.io/v1",
        ["kind"] = "EncryptionConfiguration",
        ["resources"] = new[]
        {
            new Dictionary<string, object>
            {
                ["resources"] = new[] { "secrets" },
                ["providers"] = new object[]
                {
                    new Dictionary<string, object>
                    {
                        [EncryptionKey.Provider] = new Dictionary<string, object>
                        {
                            ["keys"] = new[] { new Dictionary<string, object> { ["name"] = key.Name, ["secret"] = key.Secret } },
                        },
                    },
                    new Dictionary<string, object> { ["identity"] = new Dictionary<string, object>() },
                },
            },
        },
    };

    /// <summary>Pod Security admission defaults: enforce baseline, warn and audit restricted; only kube-system is exempt.</summary>
    internal static Dictionary<string, object> AdmissionConfiguration() => new()
    {
        ["apiVersion"] = "apiserver.config.k8s.io/v1",
        ["kind"] = "AdmissionConfiguration",
        ["plugins"] = new[]
        {
            new Dictionary<string, object>
            {
                ["name"] = "PodSecurity",
                ["configuration"] = new Dictionary<string, object>
                {
                    ["apiVersion"] = "pod-security.admission.config.k8s.io/v1",
                    ["kind"] = "PodSecurityConfiguration",
                    ["defaults"] = new Dictionary<string, object>
                    {
                        ["enforce"] = "baseline",
                        ["enforce-version"] = "latest",
                        ["audit"] = "restricted",
                        ["audit-version"] = "latest",
                        ["warn"] = "restricted",
                        ["warn-version"] = "latest",
                    },
                    ["exemptions"] = new Dictionary<string, object>
                    {
                        ["usernames"] = Array.Empty<string>(),
                        ["runtimeClasses"] = Array.Empty<string>(),
                        ["namespaces"] = new[] { "kube-system" },
                    },
                },
            },
        },
    };

    /// <summary>
    /// Anonymous requests are allowed only on the health endpoints (structured authentication configuration). Not on
    /// kube-public/cluster-info either: the workers join with file discovery (see <see cref="JoinConfiguration"/>).
    /// </summary>
    internal static Dictionary<string, object> AuthenticationConfiguration() => new()
    {
        ["apiVersion"] = "apiserver.config.k8s.io/v1",
        ["kind"] = "AuthenticationConfiguration",
        ["anonymous"] = new Dictionary<string, object>
        {
            ["enabled"] = true,
            ["conditions"] = AnonymousPaths.Select(p => new Dictionary<string, object> { ["path"] = p }).ToList(),
        },
    };

    public static readonly IReadOnlyList<string> AnonymousPaths = ["/livez", "/readyz", "/healthz"];

    private static Dictionary<string, object> NodeRegistration(Inventory.InventoryNode node, bool controlPlane)
    {
        var registration = new Dictionary<string, object>
        {
            ["name"] = node.Name,
            ["criSocket"] = NodePaths.CriSocket,
            ["imagePullPolicy"] = "IfNotPresent",
            ["kubeletExtraArgs"] = Args(("node-ip", node.PrivateIp)),
        };
        if (controlPlane)
            registration["taints"] = new[]
            {
                new Dictionary<string, object> { ["key"] = "node-role.kubernetes.io/control-plane", ["effect"] = "NoSchedule" },
            };
        return registration;
    }

    private static List<Dictionary<string, object>> Args(params (string Name, string Value)[] args) =>
        args.Select(a => new Dictionary<string, object> { ["name"] = a.Name, ["value"] = a.Value }).ToList();

    private static Dictionary<string, object> Volume(string name, string path, bool readOnly, string pathType) => new()
    {
        ["name"] = name,
        ["hostPath"] = path,
        ["mountPath"] = path,
        ["readOnly"] = readOnly,
        ["pathType"] = pathType,
    };

    private static Dictionary<string, object> Resources(string group, params string[] resources) => new()
    {
        ["group"] = group,
        ["resources"] = resources,
    };

    internal static string Duration(TimeSpan t) => $"{(int)t.TotalHours}h{t.Minutes}m{t.Seconds}s";
}
