namespace Platform.Build.Settings;

public static partial class SettingsCatalog
{
    private static readonly SettingDefinition[] Environments =
    [
        new("capacity.maxRequestPercent", SettingKind.Integer,
            "Capacity fails when the environments' CPU or memory requests exceed this share of the workers' allocatable capacity.")
        { Default = "60", Minimum = 1, Maximum = 100 },
        new("capacity.reservedCpuMillisPerNode", SettingKind.Integer,
            "CPU (millicores) each worker keeps for the OS, kubelet, container runtime and node daemons (Calico, kube-proxy, CSI node plugin).")
        { Default = "500", Minimum = 0 },
        new("capacity.reservedMemoryMiPerNode", SettingKind.Integer,
            "Memory (MiB) each worker keeps for the OS, kubelet, runtime, node daemons and the kubelet's eviction threshold.")
        { Default = "1024", Minimum = 0 },
        new("capacity.addOnCpuMillis", SettingKind.Integer,
            "CPU (millicores) requested by cluster add-ons that run on workers (Argo CD, Kyverno, Traefik, cert-manager, CoreDNS).")
        { Default = "1000", Minimum = 0 },
        new("capacity.addOnMemoryMi", SettingKind.Integer,
            "Memory (MiB) requested by cluster add-ons that run on workers (Argo CD, Kyverno, Traefik, cert-manager, CoreDNS).")
        { Default = "2048", Minimum = 0 },
    ];
}
