namespace Platform.Build.Settings;

public static partial class SettingsCatalog
{
    private static readonly SettingDefinition[] Bootstrap =
    [
        // No ssh.port: the entry's address and port come from the inventory (sshEntry), which Provision writes from
        // the same Terraform that opens the port; a second source could only disagree with it.
        new("ssh.user", SettingKind.Text, "Admin user on the nodes (the cloud image's default user).") { Default = "debian" },
        new("ssh.privateKeyPath", SettingKind.Path, "Private key matching openstack.sshPublicKeyPath.")
        { Default = "~/.ssh/id_ed25519", RequiredFor = ["Bootstrap", "Deploy"] },
        new("ssh.connectTimeoutSeconds", SettingKind.Integer, "Timeout of one SSH connection attempt (also through the jump host).")
        { Default = "20", Minimum = 1, Maximum = 600 },
        new("ssh.connectAttempts", SettingKind.Integer, "SSH connection attempts per node (exponential backoff from 2s) before it counts as unreachable.")
        { Default = "6", Minimum = 1, Maximum = 20 },
        new("bootstrap.apiAccess", SettingKind.Choice,
            "How the kubeconfig reaches the API: 'public' (6443 on the public IP, admin CIDRs only) or 'tunnel' (local SSH tunnel).")
        { Default = "public", Choices = ["public", "tunnel"] },
        new("bootstrap.tunnelLocalPort", SettingKind.Integer,
            "Local port of the SSH tunnel to the API when bootstrap.apiAccess=tunnel (the kubeconfig points at https://127.0.0.1:<port>).")
        { Default = "16443", Minimum = 1024, Maximum = 65535 },
        new("bootstrap.joinMode", SettingKind.Choice, "Join the workers in 'parallel' (default) or one after the other ('sequential').")
        { Default = "parallel", Choices = ["parallel", "sequential"] },
        new("bootstrap.joinTokenTtlMinutes", SettingKind.Integer, "Lifetime of the bootstrap token the workers join with.")
        { Default = "15", Minimum = 5, Maximum = 120 },
        new("bootstrap.cloudInitTimeoutMinutes", SettingKind.Integer, "How long Bootstrap waits for cloud-init to finish on each node.")
        { Default = "20", Minimum = 1, Maximum = 120 },
    ];
}
