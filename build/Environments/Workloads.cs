using Newtonsoft.Json.Linq;
using Platform.Build.Validation;

namespace Platform.Build.Environments;

/// <summary>A container of a workload's pod template, with where it sits.</summary>
public sealed record ContainerRef(ManifestObject Workload, JObject Pod, JObject Container, bool Init)
{
    public string Name => (string?)Container["name"] ?? "";
    public string Image => (string?)Container["image"] ?? "";
    public bool Sidecar => Init && (string?)Container["restartPolicy"] == "Always";
    public override string ToString() => $"{Workload.Id} {(Init ? "init container" : "container")} '{Name}'";
}

/// <summary>Finds pod templates in rendered objects (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod).</summary>
public static class Workloads
{
    public static readonly string[] Kinds = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"];

    public static bool IsWorkload(ManifestObject o) => Kinds.Contains(o.Kind, StringComparer.Ordinal);

    public static IEnumerable<ManifestObject> In(IEnumerable<ManifestObject> objects) => objects.Where(IsWorkload);

    /// <summary>The pod template's metadata+spec object (for a Pod: the Pod itself).</summary>
    public static JObject? PodTemplate(ManifestObject o) => o.Kind switch
    {
        "Pod" => o.Body,
        "CronJob" => o.At("spec.jobTemplate.spec.template") as JObject,
        _ => o.At("spec.template") as JObject,
    };

    public static JObject PodSpec(ManifestObject o) => PodTemplate(o)?["spec"] as JObject ?? new JObject();

    /// <summary>Replicas the way the controller runs them: spec.replicas, default 1; Jobs count their parallelism.</summary>
    public static int Replicas(ManifestObject o) => o.Kind switch
    {
        "Deployment" or "StatefulSet" or "ReplicaSet" => (int?)o.At("spec.replicas") ?? 1,
        "Job" => (int?)o.At("spec.parallelism") ?? 1,
        "CronJob" => (int?)o.At("spec.jobTemplate.spec.parallelism") ?? 1,
        _ => 1,
    };

    public static IEnumerable<ContainerRef> Containers(ManifestObject o)
    {
        var spec = PodSpec(o);
        foreach (var c in (spec["initContainers"] as JArray ?? []).OfType<JObject>()) yield return new(o, spec, c, true);
        foreach (var c in (spec["containers"] as JArray ?? []).OfType<JObject>()) yield return new(o, spec, c, false);
    }

    /// <summary>The app.kubernetes.io/name label of the pod template (or the object).</summary>
    public static string AppName(ManifestObject o) =>
        (string?)PodTemplate(o)?["metadata"]?["labels"]?["app.kubernetes.io/name"]
        ?? (string?)o.At("metadata.labels['app.kubernetes.io/name']") ?? o.Name;
}
