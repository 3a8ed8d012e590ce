using System.Diagnostics;
using Platform.Build.Environments;
using Platform.Build.Reporting;
using ManifestObject = Platform.Build.Validation.ManifestObject;
using ManifestRenderer = Platform.Build.Validation.ManifestRenderer;
using Spectre.Console;

namespace Platform.Build;

public sealed partial class Suite
{
    /// <summary>
    /// Renders each selected environment, sums its requests and limits (per pod the scheduler's way, times replicas)
    /// and compares them with the workers' allocatable capacity. Fails when CPU or memory requests exceed
    /// capacity.maxRequestPercent (60% by default) of allocatable.
    /// </summary>
    public void Capacity()
    {
        var clock = Stopwatch.StartNew();
        var environments = new List<(string, IReadOnlyList<ManifestObject>)>();
        Run(async () =>
        {
            foreach (var env in Settings.SelectedEnvironments)
            {
                var dir = EnvironmentConfiguration.OverlayDirectory(RepositoryRoot, env);
                if (!ManifestRenderer.IsKustomization(dir))
                    throw new InvalidOperationException($"Environment '{env}' has no overlay at {dir}; create k8s/overlays/{env}/ or remove it from 'environments'.");
                Log.Info($"Rendering {Path.GetRelativePath(RepositoryRoot, dir)} ...");
                environments.Add((env, Validation.YamlManifests.Parse(await RenderOnceAsync(dir).ConfigureAwait(false),
                    Path.GetRelativePath(RepositoryRoot, dir) + " (rendered)")));
            }
        });

        var report = CapacityPlan.Compute(environments, WorkerPoolFromSettings(), Settings.GetInt("capacity.maxRequestPercent"));
        Log.Write(CapacityTable(report));
        foreach (var (env, requests, limits) in report.ByEnvironment)
            Summary.Add("Capacity", env, StepStatus.Passed,
                $"requests {Quantity.FormatCpu(requests.CpuMillis)} CPU / {Quantity.FormatMemory(requests.MemoryBytes)}; " +
                $"memory limits {Quantity.FormatMemory(limits.MemoryBytes)}{(limits.MemoryUnbounded ? " (some unbounded)" : "")}");
        var detail = $"CPU requests {report.CpuRequestPercent:0.0}%, memory requests {report.MemoryRequestPercent:0.0}% of allocatable " +
                     $"({Quantity.FormatCpu(report.Pool.AllocatableCpuMillis)} CPU, {Quantity.FormatMemory(report.Pool.AllocatableMemoryBytes)}); limit {report.MaxRequestPercent}%";
        Summary.Add("Capacity", "all selected environments", report.Passed ? StepStatus.Passed : StepStatus.Failed, detail, clock.Elapsed);
        if (report.MemoryLimitPercent > 100)
            Summary.Add("Capacity", "memory limits", StepStatus.Warning,
                $"memory limits are {report.MemoryLimitPercent:0.0}% of allocatable: pods may be OOM-killed or evicted under full load.");
        if (!report.Passed)
            throw new InvalidOperationException("Capacity check failed: " + string.Join(" ", report.Problems));
        Log.Info("Capacity: " + detail);
    }

    internal WorkerPool WorkerPoolFromSettings() => new(
        Settings.GetInt("openstack.workerCount"), Settings.GetInt("openstack.workerFlavorVcpus"), Settings.GetInt("openstack.workerFlavorRamMb"),
        Settings.GetInt("capacity.reservedCpuMillisPerNode"), Settings.GetInt("capacity.reservedMemoryMiPerNode"),
        Settings.GetInt("capacity.addOnCpuMillis"), Settings.GetInt("capacity.addOnMemoryMi"));

    internal static Table CapacityTable(CapacityReport report)
    {
        var table = new Table().Title("Capacity: requests and limits against the workers' allocatable capacity")
            .AddColumns("Env", "Workload", "Pods", "CPU req", "Mem req", "CPU lim", "Mem lim");
        foreach (var w in report.Workloads)
            table.AddRow(w.Environment, Markup.Escape(ShortName(w.Workload)), w.Replicas.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Quantity.FormatCpu(w.Requests.CpuMillis), Quantity.FormatMemory(w.Requests.MemoryBytes),
                w.Limits.CpuUnbounded ? "none" : Quantity.FormatCpu(w.Limits.CpuMillis),
                w.Limits.MemoryUnbounded ? "none" : Quantity.FormatMemory(w.Limits.MemoryBytes));
        var pool = report.Pool;
        table.AddEmptyRow();
        table.AddRow("", "[bold]total[/]", "", Quantity.FormatCpu(report.Requests.CpuMillis), Quantity.FormatMemory(report.Requests.MemoryBytes),
            report.Limits.CpuUnbounded ? "unbounded" : Quantity.FormatCpu(report.Limits.CpuMillis),
            (report.Limits.MemoryUnbounded ? ">= " : "") + Quantity.FormatMemory(report.Limits.MemoryBytes));
        table.AddRow("", "[bold]allocatable[/]", Markup.Escape($"{pool.Count} nodes"), Quantity.FormatCpu(pool.AllocatableCpuMillis), Quantity.FormatMemory(pool.AllocatableMemoryBytes), "", "");
        table.Caption(Markup.Escape($"allocatable = {pool.Count} x {pool.Vcpus} vCPU / {pool.RamMb} MiB minus {pool.ReservedCpuMillisPerNode}m CPU / {pool.ReservedMemoryMiPerNode} MiB per node " +
            $"(OS, kubelet, node daemons) and {pool.AddOnCpuMillis}m / {pool.AddOnMemoryMi} MiB for cluster add-ons (capacity.* settings)"));
        table.AddRow("", $"[bold]used[/] (max {report.MaxRequestPercent}%)", "",
            Colour(report.CpuRequestPercent, report.MaxRequestPercent), Colour(report.MemoryRequestPercent, report.MaxRequestPercent),
            "", $"{report.MemoryLimitPercent:0.0}%");
        return table;
    }

    private static string ShortName(string workload) => workload
        .Replace("Deployment/", "deploy/", StringComparison.Ordinal).Replace("StatefulSet/", "sts/", StringComparison.Ordinal)
        .Replace("DaemonSet/", "ds/", StringComparison.Ordinal);

    private static string Colour(double percent, int threshold) =>
        $"[{(percent > threshold ? "red" : "green")}]{percent:0.0}%[/]";

    /// <summary>Writes each overlay's generated settings component (registry and host) from the settings.</summary>
    internal void ConfigureEnvironments()
    {
        var changed = EnvironmentConfiguration.Write(Settings);
        foreach (var env in Settings.GetList(Platform.Build.Settings.SettingsCatalog.EnvironmentsKey))
        {
            var file = EnvironmentConfiguration.SettingsFile(RepositoryRoot, env);
            var wasChanged = changed.Contains(file);
            Summary.Add("Configure", Path.GetRelativePath(RepositoryRoot, file), StepStatus.Passed,
                (wasChanged ? "written: " : "up to date: ") + $"host {EnvironmentConfiguration.Host(Settings, env)}, registry {EnvironmentConfiguration.Registry(Settings)}");
            if (wasChanged) Log.Info($"Configure: wrote {Path.GetRelativePath(RepositoryRoot, file)}; commit it so Argo CD deploys the new values.");
        }
    }
}
