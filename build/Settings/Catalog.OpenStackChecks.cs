namespace Platform.Build.Settings;

public static partial class SettingsCatalog
{
    // Thresholds of the Preflight checks (the OpenStack readiness runbook explains each).
    private static readonly SettingDefinition[] OpenStackChecks =
    [
        new("openstack.checks.minControlPlaneVcpus", SettingKind.Integer, "Preflight: fewest vCPUs the control-plane flavor may have (kubeadm needs 2).")
        { Default = "2", Minimum = 1 },
        new("openstack.checks.minControlPlaneRamMb", SettingKind.Integer, "Preflight: least RAM in MiB of the control-plane flavor.")
        { Default = "4096", Minimum = 1024 },
        new("openstack.checks.minWorkerVcpus", SettingKind.Integer, "Preflight: fewest vCPUs a worker flavor may have.")
        { Default = "2", Minimum = 1 },
        new("openstack.checks.minWorkerRamMb", SettingKind.Integer, "Preflight: least RAM in MiB of a worker flavor.")
        { Default = "4096", Minimum = 1024 },
        new("openstack.checks.minRootDiskGb", SettingKind.Integer, "Preflight: smallest root disk in GB of any node flavor (image, containerd images, etcd).")
        { Default = "20", Minimum = 1 },
        new("openstack.checks.persistentVolumes", SettingKind.Integer,
            "Cinder volumes the workloads claim through the CSI driver (one pg-db volume per environment); counted in the volume quota.")
        { Default = "3", Minimum = 0 },
        new("openstack.checks.persistentVolumeSizeGb", SettingKind.Integer, "Size in GB of each of those volumes; counted in the gigabytes quota.")
        { Default = "10", Minimum = 1 },
    ];
}
