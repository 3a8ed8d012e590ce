namespace Platform.Build.Bootstrap;

/// <summary>Connect is not a planned step: it names a node that could not be reached before the first phase.</summary>
public enum StepKind { Connect, CloudInit, Preflight, Init, Join, Kubeconfig }

/// <summary>One step of the bootstrap. Its <see cref="Id"/> is what the state record remembers.</summary>
public sealed record BootstrapStep(StepKind Kind, string Node, string Description)
{
    public string Id => $"{Kind.ToString().ToLowerInvariant()}:{Node}";
}

/// <summary>
/// The ordered step list: wait for cloud-init everywhere, check the node tools, kubeadm init on the control plane,
/// then join the workers (in parallel, one phase) while the kubeconfig is fetched: it needs only the initialised
/// control plane, not the joins. Pure; the runner executes it phase by phase.
/// </summary>
public sealed record BootstrapPlan(IReadOnlyList<IReadOnlyList<BootstrapStep>> Phases)
{
    public IEnumerable<BootstrapStep> Steps => Phases.SelectMany(p => p);

    public static BootstrapPlan Create(BootstrapSpec spec)
    {
        var cp = spec.ControlPlane;
        var nodes = spec.Inventory.Nodes;
        var joins = spec.Workers.Select(w => new BootstrapStep(StepKind.Join, w.Name, $"kubeadm join {w.Name} with a short-lived token")).ToList();
        var phases = new List<IReadOnlyList<BootstrapStep>>
        {
            nodes.Select(n => new BootstrapStep(StepKind.CloudInit, n.Name, $"wait for cloud-init on {n.Name}")).ToList(),
            nodes.Select(n => new BootstrapStep(StepKind.Preflight, n.Name, $"check kubeadm, kubelet, containerd on {n.Name}")).ToList(),
            new[] { new BootstrapStep(StepKind.Init, cp.Name, $"upload the kubeadm configuration and run kubeadm init on {cp.Name}") },
        };
        var kubeconfig = new BootstrapStep(StepKind.Kubeconfig, cp.Name, "fetch the admin kubeconfig and write it locally (0600)");
        // Sequential mode serialises only the joins (the benchmark's baseline); the kubeconfig goes with the first.
        var joinPhases = spec.JoinMode == JoinMode.Parallel ? [joins] : joins.Select(j => new List<BootstrapStep> { j }).ToList();
        if (joinPhases.Count == 0) joinPhases.Add([]);
        joinPhases[0].Add(kubeconfig);
        phases.AddRange(joinPhases);
        return new BootstrapPlan(phases);
    }
}
