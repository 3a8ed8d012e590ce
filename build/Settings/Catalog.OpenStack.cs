using System.Net;

namespace Platform.Build.Settings;

public static partial class SettingsCatalog
{
    private static readonly string[] CloudTargets = ["Preflight", "Plan", "Provision", "Audit", "Destroy", "Teardown", "Deploy"];

    private static readonly SettingDefinition[] OpenStack =
    [
        new("openstack.cloud", SettingKind.Text,
            "Cloud name in clouds.yaml (like OS_CLOUD). Empty: use the OS_* environment variables."),
        new("openstack.externalNetwork", SettingKind.Text,
            "Name of the provider network with router:external=true; the router's gateway and the floating IP come from it.")
        { RequiredFor = CloudTargets },
        new("openstack.image", SettingKind.Text, "Glance image of every node (Debian 12 or Ubuntu 24.04 cloud image).")
        { Default = "debian-12-genericcloud-amd64" },
        new("openstack.controlPlaneFlavor", SettingKind.Text, "Nova flavor of the control-plane node.") { Default = "m1.medium" },
        new("openstack.workerFlavor", SettingKind.Text, "Nova flavor of the worker nodes.") { Default = "m1.large" },
        new("openstack.workerFlavorVcpus", SettingKind.Integer, "vCPUs of the worker flavor (capacity check).") { Default = "4", Minimum = 1 },
        new("openstack.workerFlavorRamMb", SettingKind.Integer, "RAM in MiB of the worker flavor (capacity check).") { Default = "8192", Minimum = 1024 },
        new("openstack.controlPlaneCount", SettingKind.Integer, "Number of control-plane nodes.") { Default = "1", Minimum = 1, Maximum = 1 },
        new("openstack.workerCount", SettingKind.Integer, "Number of worker nodes.") { Default = "2", Minimum = 1, Maximum = 20 },
        new("openstack.adminCidrs", SettingKind.CidrList,
            "Source ranges allowed to reach SSH (22) and the Kubernetes API (6443). Never 0.0.0.0/0 or ::/0.")
        {
            RequiredFor = CloudTargets,
            Check = v => !IPNetwork.TryParse(v, out var n) ? null
                : Cidrs.IsAnywhere(n) ? new("opens SSH and the Kubernetes API to the whole internet.", "list your office or VPN ranges, e.g. 203.0.113.0/24.")
                : Cidrs.IsTooBroadForAdmins(n) ? new($"is broader than /{Cidrs.AdminPrefixLimit(n)}; such ranges together open SSH and the Kubernetes API to the internet (as the rule matrix refuses).",
                    "list your office or VPN ranges, e.g. 203.0.113.0/24.")
                : null,
        },
        new("openstack.floatingIpMode", SettingKind.Choice,
            "How the single public IP reaches the nodes: 'control-plane' (FIP on the control plane, ProxyJump to workers) or 'port-forwarding' (Neutron FIP port forwards).")
        { Default = "control-plane", Choices = ["control-plane", "port-forwarding"] },
        new("openstack.ingressNode", SettingKind.Choice,
            "Which node serves HTTP/HTTPS on the public IP: 'control-plane' or 'first-worker' (first-worker needs floatingIpMode 'port-forwarding').")
        { Default = "control-plane", Choices = ["control-plane", "first-worker"] },
        new("openstack.region", SettingKind.Text,
            "Region written into the Cinder CSI cloud.conf. Empty: OS_REGION_NAME, or region_name of the cloud in clouds.yaml."),
        new("openstack.floatingIp", SettingKind.Text,
            "A pre-allocated floating IP address to use. Empty: allocate one from the external network's pool.")
        {
            Check = v => IPAddress.TryParse(v, out var a) && a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? null
                : new("is not an IPv4 address.", "give the address, e.g. 203.0.113.10, or leave it empty."),
        },
        new("openstack.dataVolumeSizeGb", SettingKind.Integer, "Size of an optional Cinder data volume per worker; 0 for none.")
        { Default = "0", Minimum = 0, Maximum = 10000 },
        new("openstack.sshPublicKeyPath", SettingKind.Path, "Public key installed for the admin user on every node.")
        { Default = "~/.ssh/id_ed25519.pub", RequiredFor = ["Plan", "Provision", "Deploy"] },
    ];

    // A property, not a field: NetworkCrossChecks (another file) reads it during static initialization.
    private static Func<PlatformSettings, IEnumerable<SettingError>>[] OpenStackCrossChecks =>
    [
        s => s.Get("openstack.ingressNode") == "first-worker" && s.Get("openstack.floatingIpMode") != "port-forwarding"
            ? [new SettingError("openstack.ingressNode", "first-worker",
                "needs openstack.floatingIpMode 'port-forwarding': with the floating IP on the control plane only that node receives 80/443.",
                "set openstack.ingressNode to control-plane, or openstack.floatingIpMode to port-forwarding.")]
            : [],
    ];
}
