using Platform.Build.Files;
using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.Build.Settings;
using Platform.Build.Tools;

namespace Platform.Build.Terraform;

/// <summary>Where the Terraform targets read and write. Everything generated lives under artifacts/terraform/ (git-ignored).</summary>
public sealed record TerraformLayout(string ConfigDirectory, string WorkDirectory)
{
    public static TerraformLayout For(PlatformSettings settings) =>
        new(Path.Combine(settings.RepositoryRoot, "terraform"), Path.Combine(settings.OutputDirectory, "terraform"));

    public string PlanFile => Path.Combine(WorkDirectory, "platform.tfplan");
    public string PublicVarFile => Path.Combine(WorkDirectory, "platform.tfvars.json");
    /// <summary>Holds the private host keys: 0600, never in Git, never printed.</summary>
    public string SecretVarFile => Path.Combine(WorkDirectory, "host-keys.secret.tfvars.json");
    public string LocalStateFile => Path.Combine(WorkDirectory, "terraform.tfstate");
    public string DataDirectory => Path.Combine(WorkDirectory, ".terraform");
    public string HostKeyDirectory => Path.Combine(WorkDirectory, "host-keys");
    public string CsiCloudConfFile => Path.Combine(WorkDirectory, "csi-cloud.conf");
    /// <summary>The backend block chosen by terraform.backend, written before init (git-ignored).</summary>
    public string BackendFile => Path.Combine(ConfigDirectory, "backend.generated.tf");
    public IReadOnlyList<string> VarFiles => [PublicVarFile, SecretVarFile];

    /// <summary>
    /// Creates the work directory 0700 (and tightens an existing one) before anything is written into it. terraform
    /// writes the plan file and the local state with its own umask (usually world-readable, 0644); inside an
    /// owner-only directory nobody else can reach them, not even before the plan file is chmod'ed to 0600.
    /// </summary>
    public void PrepareWorkDirectory() => CreateOwnerOnlyDirectory(WorkDirectory);

    public const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates a directory 0700 on Unix (created so, not loosened first), and sets 0700 on one that exists.</summary>
    public static void CreateOwnerOnlyDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }
        Directory.CreateDirectory(path, OwnerOnlyDirectory);
        File.SetUnixFileMode(path, OwnerOnlyDirectory);
    }
}

/// <summary>
/// Plans what the Plan / Provision / Destroy targets run, as data: variables, var files, backend, commands. Pure, so
/// argument construction is unit-tested; <see cref="Suite"/> runs the result.
/// </summary>
public static class TerraformPlanner
{
    public static string BackendFileContent(string backend) =>
        "# Written by the build suite from the terraform.backend setting before `terraform init`; do not edit or commit.\n" +
        $"terraform {{\n  backend \"{backend}\" {{}}\n}}\n";

    /// <summary>-backend-config values: the local backend keeps its state under artifacts/terraform/; remote ones take terraform.backendConfig.</summary>
    public static IReadOnlyList<string> BackendConfig(PlatformSettings settings, TerraformLayout layout) =>
        settings.Get("terraform.backend") == "local"
            ? [$"path={layout.LocalStateFile}", .. settings.GetList("terraform.backendConfig").Where(c => !c.StartsWith("path=", StringComparison.Ordinal))]
            : settings.GetList("terraform.backendConfig");

    public static IReadOnlyDictionary<string, string?> Environment(TerraformLayout layout, CloudCredentials credentials) =>
        new Dictionary<string, string?>(credentials.ToolEnvironment) { ["TF_DATA_DIR"] = layout.DataDirectory };

    public static ToolCommand Init(PlatformSettings settings, TerraformLayout layout, CloudCredentials credentials) =>
        TerraformCli.Init(layout.ConfigDirectory, Environment(layout, credentials), BackendConfig(settings, layout));

    public static ToolCommand Plan(TerraformLayout layout, CloudCredentials credentials) =>
        TerraformCli.Plan(layout.ConfigDirectory, Environment(layout, credentials), layout.PlanFile, layout.VarFiles);

    public static ToolCommand Apply(TerraformLayout layout, CloudCredentials credentials) =>
        TerraformCli.ApplyPlan(layout.ConfigDirectory, Environment(layout, credentials), layout.PlanFile);

    public static ToolCommand Output(TerraformLayout layout, CloudCredentials credentials) =>
        TerraformCli.OutputJson(layout.ConfigDirectory, Environment(layout, credentials));

    public static ToolCommand Destroy(TerraformLayout layout, CloudCredentials credentials) =>
        TerraformCli.Destroy(layout.ConfigDirectory, Environment(layout, credentials), layout.VarFiles);

    /// <summary>The non-secret variables of the root module (terraform/variables.tf), from the settings.</summary>
    public static JsonObject PublicVariables(PlatformSettings settings, CloudCredentials credentials, string adminPublicKey, IReadOnlyList<HostKey> hostKeys)
    {
        JsonArray List(string key) => [.. settings.GetList(key).Select(v => (JsonNode)JsonValue.Create(v))];
        var hostPublicKeys = new JsonObject();
        foreach (var k in hostKeys) hostPublicKeys[k.Node] = k.PublicKey;
        return new JsonObject
        {
            ["platform_name"] = settings.Get("platform.name"),
            ["external_network"] = settings.Get("openstack.externalNetwork"),
            ["admin_cidrs"] = List("openstack.adminCidrs"),
            ["floating_ip_mode"] = settings.Get("openstack.floatingIpMode"),
            ["floating_ip_address"] = settings.Get("openstack.floatingIp"),
            ["ingress_node"] = settings.Get("openstack.ingressNode"),
            ["image"] = settings.Get("openstack.image"),
            ["control_plane_flavor"] = settings.Get("openstack.controlPlaneFlavor"),
            ["worker_flavor"] = settings.Get("openstack.workerFlavor"),
            ["control_plane_count"] = settings.GetInt("openstack.controlPlaneCount"),
            ["worker_count"] = settings.GetInt("openstack.workerCount"),
            ["data_volume_size_gb"] = settings.GetInt("openstack.dataVolumeSizeGb"),
            ["admin_user"] = settings.Get("ssh.user"),
            ["admin_public_key"] = adminPublicKey.Trim(),
            ["host_public_keys"] = hostPublicKeys,
            ["node_cidr"] = settings.Get("network.nodeCidr"),
            ["pod_cidr"] = settings.Get("network.podCidr"),
            ["service_cidr"] = settings.Get("network.serviceCidr"),
            ["dns_nameservers"] = List("network.dnsNameservers"),
            ["calico_encapsulation"] = settings.Get("network.calicoEncapsulation"),
            ["kubernetes_version"] = settings.Get("kubernetes.version"),
            ["kubernetes_package_revision"] = settings.Get("nodes.kubernetesPackageRevision"),
            ["kubernetes_apt_key_fingerprint"] = settings.Get("nodes.kubernetesAptKeyFingerprint"),
            ["containerd_version"] = settings.Get("nodes.containerdVersion"),
            ["auth_url"] = credentials.AuthUrl,
            ["region"] = credentials.Region,
        };
    }

    /// <summary>The secret variables: the private host keys, by node name.</summary>
    public static JsonObject SecretVariables(IReadOnlyList<HostKey> hostKeys)
    {
        var keys = new JsonObject();
        foreach (var k in hostKeys) keys[k.Node] = k.PrivateKey;
        return new JsonObject { ["host_private_keys"] = keys };
    }

    // Relaxed escaping keeps keys readable (no \u002B for +); terraform reads standard JSON either way.
    public static readonly JsonSerializerOptions VarFileJson = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes both var files: the public one readable, the secret one 0600.</summary>
    public static void WriteVarFiles(TerraformLayout layout, JsonObject publicVariables, JsonObject secretVariables)
    {
        layout.PrepareWorkDirectory();
        File.WriteAllText(layout.PublicVarFile, publicVariables.ToJsonString(VarFileJson));
        SecureFile.WriteAllText(layout.SecretVarFile, secretVariables.ToJsonString(VarFileJson));
    }

    /// <summary>Reads the admin's public key (openstack.sshPublicKeyPath) or names the setting to fix.</summary>
    public static string ReadAdminPublicKey(PlatformSettings settings)
    {
        var path = settings.GetPath("openstack.sshPublicKeyPath");
        if (!File.Exists(path))
            throw new SettingsException([new SettingError("openstack.sshPublicKeyPath", path, "names no file.",
                "point it at your SSH public key (e.g. ~/.ssh/id_ed25519.pub), or create one with ssh-keygen -t ed25519.")]);
        var key = File.ReadAllText(path).Trim();
        if (key.Contains("PRIVATE KEY", StringComparison.Ordinal) || !System.Text.RegularExpressions.Regex.IsMatch(key, @"^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp\d+|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/=]+( .*)?$"))
            throw new SettingsException([new SettingError("openstack.sshPublicKeyPath", path, "is not one OpenSSH public key line.",
                "point it at the .pub file (never the private key).")]);
        return key;
    }
}
