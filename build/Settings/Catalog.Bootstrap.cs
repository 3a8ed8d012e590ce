namespace Platform.Build.Settings;

public static partial class SettingsCatalog
{
    private static readonly SettingDefinition[] Bootstrap =
    [
        new("ssh.user", SettingKind.Text, "Admin user on the nodes (the cloud image's default user).") { Default = "debian" },
        new("ssh.privateKeyPath", SettingKind.Path, "Private key matching openstack.sshPublicKeyPath.")
        { Default = "~/.ssh/id_ed25519", RequiredFor = ["Bootstrap", "Deploy"] },
        new("ssh.port", SettingKind.Integer, "SSH port of the entry host.") { Default = "22", Minimum = 1, Maximum = 65535 },
        new("bootstrap.apiAccess", SettingKind.Choice,
            "How the kubeconfig reaches the API: 'public' (6443 on the public IP, admin CIDRs only) or 'tunnel' (local SSH tunnel).")
        { Default = "public", Choices = ["public", "tunnel"] },
    ];
}
