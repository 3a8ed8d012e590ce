using Newtonsoft.Json.Linq;
using Platform.Build.Validation;

namespace Platform.Build.Environments;

/// <summary>CPU in millicores and memory in bytes; a limit may be unbounded (a container without that limit).</summary>
public sealed record Resources(long CpuMillis, long MemoryBytes, bool CpuUnbounded = false, bool MemoryUnbounded = false)
{
    public static readonly Resources Zero = new(0, 0);

    public Resources Plus(Resources o) => new(CpuMillis + o.CpuMillis, MemoryBytes + o.MemoryBytes,
        CpuUnbounded || o.CpuUnbounded, MemoryUnbounded || o.MemoryUnbounded);

    public Resources Times(int n) => new(CpuMillis * n, MemoryBytes * n, CpuUnbounded, MemoryUnbounded);

    /// <summary>Per resource the larger of the two (how init containers count against the app containers).</summary>
    public Resources Max(Resources o) => new(Math.Max(CpuMillis, o.CpuMillis), Math.Max(MemoryBytes, o.MemoryBytes),
        CpuUnbounded || o.CpuUnbounded, MemoryUnbounded || o.MemoryUnbounded);
}

/// <summary>What one workload asks for: per pod (the scheduler's effective figure) and for all its replicas.</summary>
public sealed record WorkloadDemand(string Environment, string Workload, int Replicas, Resources PodRequests, Resources PodLimits)
{
    public Resources Requests => PodRequests.Times(Replicas);
    public Resources Limits => PodLimits.Times(Replicas);
}

/// <summary>
/// The worker pool: count × flavor, minus what each node keeps for the OS, kubelet and node daemons (Calico,
/// kube-proxy, CSI node plugin), minus the cluster add-ons that also run on workers (Argo CD, Kyverno, Traefik,
/// cert-manager, CoreDNS).
/// </summary>
public sealed record WorkerPool(int Count, int Vcpus, int RamMb, long ReservedCpuMillisPerNode, long ReservedMemoryMiPerNode,
    long AddOnCpuMillis, long AddOnMemoryMi)
{
    public long AllocatableCpuMillis => Count * (Vcpus * 1000L - ReservedCpuMillisPerNode) - AddOnCpuMillis;
    public long AllocatableMemoryBytes => (Count * (RamMb - ReservedMemoryMiPerNode) - AddOnMemoryMi) * 1024L * 1024L;
}

public sealed record CapacityReport(IReadOnlyList<WorkloadDemand> Workloads, WorkerPool Pool, int MaxRequestPercent)
{
    public Resources Requests => Workloads.Aggregate(Resources.Zero, (a, w) => a.Plus(w.Requests));
    public Resources Limits => Workloads.Aggregate(Resources.Zero, (a, w) => a.Plus(w.Limits));
    public double CpuRequestPercent => Percent(Requests.CpuMillis, Pool.AllocatableCpuMillis);
    public double MemoryRequestPercent => Percent(Requests.MemoryBytes, Pool.AllocatableMemoryBytes);
    public double MemoryLimitPercent => Percent(Limits.MemoryBytes, Pool.AllocatableMemoryBytes);

    public IEnumerable<(string Environment, Resources Requests, Resources Limits)> ByEnvironment =>
        Workloads.GroupBy(w => w.Environment).Select(g => (g.Key,
            g.Aggregate(Resources.Zero, (a, w) => a.Plus(w.Requests)), g.Aggregate(Resources.Zero, (a, w) => a.Plus(w.Limits))));

    /// <summary>Why the check fails; empty when requests stay within the threshold.</summary>
    public IReadOnlyList<string> Problems
    {
        get
        {
            var problems = new List<string>();
            if (Pool.AllocatableCpuMillis <= 0 || Pool.AllocatableMemoryBytes <= 0)
                problems.Add("the workers have nothing allocatable left after the node and add-on reservations; use a larger worker flavor or more workers (openstack.workerFlavor*, openstack.workerCount).");
            if (CpuRequestPercent > MaxRequestPercent)
                problems.Add($"CPU requests are {CpuRequestPercent:0.0}% of allocatable (limit {MaxRequestPercent}%); lower requests or add workers (openstack.workerCount).");
            if (MemoryRequestPercent > MaxRequestPercent)
                problems.Add($"memory requests are {MemoryRequestPercent:0.0}% of allocatable (limit {MaxRequestPercent}%); lower requests or add workers (openstack.workerCount).");
            return problems;
        }
    }

    public bool Passed => Problems.Count == 0;

    private static double Percent(long used, long available) => available <= 0 ? double.PositiveInfinity : 100d * used / available;
}

/// <summary>Pure capacity arithmetic over rendered objects; Suite.Capacity renders, prints and decides.</summary>
public static class CapacityPlan
{
    public static CapacityReport Compute(IEnumerable<(string Environment, IReadOnlyList<ManifestObject> Objects)> environments,
        WorkerPool pool, int maxRequestPercent) =>
        new([.. environments.SelectMany(e => Workloads.In(e.Objects).Select(o => Demand(e.Environment, o)))], pool, maxRequestPercent);

    public static WorkloadDemand Demand(string environment, ManifestObject workload)
    {
        var spec = Workloads.PodSpec(workload);
        try
        {
            return new(environment, $"{workload.Kind}/{workload.Name}", Workloads.Replicas(workload),
                PodResources(spec, "requests"), PodResources(spec, "limits"));
        }
        catch (FormatException e)
        {
            throw new FormatException($"{environment}: {workload}: {e.Message} Fix the resources in the overlay or its components.", e);
        }
    }

    /// <summary>
    /// The pod's effective figure the way the scheduler computes it: the larger of (app containers + sidecars) and
    /// each regular init container (plus the sidecars started before it), plus the pod overhead.
    /// </summary>
    public static Resources PodResources(JObject podSpec, string kind)
    {
        var sidecars = Resources.Zero;
        var initPeak = Resources.Zero;
        foreach (var init in (podSpec["initContainers"] as JArray ?? []).OfType<JObject>())
        {
            var r = ContainerResources(init, kind);
            if ((string?)init["restartPolicy"] == "Always") sidecars = sidecars.Plus(r);
            else initPeak = initPeak.Max(r.Plus(sidecars));
        }
        var app = (podSpec["containers"] as JArray ?? []).OfType<JObject>()
            .Aggregate(Resources.Zero, (a, c) => a.Plus(ContainerResources(c, kind))).Plus(sidecars);
        var overhead = podSpec["overhead"] is JObject o ? Read(o, false) : Resources.Zero;
        return app.Max(initPeak).Plus(overhead);
    }

    /// <summary>A container's requests or limits. A request left out defaults to the limit (the API does so).</summary>
    public static Resources ContainerResources(JObject container, string kind)
    {
        var resources = container["resources"] as JObject ?? new JObject();
        var limits = resources["limits"] as JObject;
        if (kind == "limits") return Read(limits, unboundedWhenMissing: true);
        var requests = resources["requests"] as JObject ?? new JObject();
        var merged = new JObject(limits ?? new JObject());
        merged.Merge(requests);
        return Read(merged, unboundedWhenMissing: false);
    }

    private static Resources Read(JObject? o, bool unboundedWhenMissing)
    {
        var cpu = (string?)o?["cpu"];
        var memory = (string?)o?["memory"];
        return new(cpu is null ? 0 : Quantity.CpuMillis(cpu), memory is null ? 0 : Quantity.Bytes(memory),
            unboundedWhenMissing && cpu is null, unboundedWhenMissing && memory is null);
    }
}
