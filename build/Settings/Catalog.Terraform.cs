namespace Platform.Build.Settings;

public static partial class SettingsCatalog
{
    private static readonly SettingDefinition[] Terraform =
    [
        new("terraform.backend", SettingKind.Choice,
            "Terraform state backend: 'local' (default: artifacts/terraform/terraform.tfstate) or a remote one configured by terraform.backendConfig.")
        { Default = "local", Choices = ["local", "s3", "http", "pg"] },
        new("terraform.backendConfig", SettingKind.List,
            "key=value pairs passed as -backend-config to terraform init (non-secret parts only; credentials from the backend's own environment variables).")
        {
            Check = v => v.IndexOf('=', StringComparison.Ordinal) > 0 ? null
                : new("is not a key=value pair.", "write e.g. bucket=my-state,key=seed/terraform.tfstate,region=eu-west-1."),
        },
        new("nodes.kubernetesPackageRevision", SettingKind.Text,
            "Debian revision of the pkgs.k8s.io packages: nodes install kubeadm/kubelet/kubectl <kubernetes.version>-<revision>.")
        {
            Default = "1.1",
            Check = v => System.Text.RegularExpressions.Regex.IsMatch(v, @"^\d+(\.\d+)*$") ? null : new("is not a package revision.", "use e.g. 1.1."),
        },
        new("nodes.kubernetesAptKeyFingerprint", SettingKind.Text,
            "Pinned fingerprint (40 hex digits) of the pkgs.k8s.io signing key the nodes accept. Empty: the key fetched over HTTPS is trusted.")
        {
            Check = v => System.Text.RegularExpressions.Regex.IsMatch(v, "^[0-9A-F]{40}$") ? null
                : new("is not a 40-digit upper-case hex fingerprint.", "copy it from `gpg --show-keys --with-colons Release.key` (the fpr line)."),
        },
        new("nodes.containerdVersion", SettingKind.Text, "apt version of Docker's containerd.io on the nodes (a trailing * allowed).")
        {
            Default = "1.7.*",
            Check = v => System.Text.RegularExpressions.Regex.IsMatch(v, @"^[0-9][0-9A-Za-z.~:+-]*\*?$") ? null : new("is not an apt version.", "use e.g. 1.7.27-1 or 1.7.*."),
        },
    ];
}
