using Platform.Build.Validation;

namespace Platform.Build.Environments;

/// <summary>
/// The digest pin of production-like environments, checked offline on a render. k8s/components/pinned-digests (used
/// by acc) puts <see cref="RequireDigestsAnnotation"/> on the environment's Deployments and StatefulSets; from then
/// on every image of every workload in that namespace (init containers and workloads the component does not
/// annotate, such as a later backup Job, included) must carry a sha256 digest. This is the offline twin of
/// kyverno/require-image-digest, which denies the same images at admission in namespace acc. Validate warns
/// with it (Suite.WarnOfUnpinnedDigestsAsync); the environment tests check it (RenderedOutputTests). Digests are
/// resolved from the registry by a tool, never typed in.
/// </summary>
public static class EnvironmentImages
{
    public const string RequireDigestsAnnotation = "seed.platform/require-image-digests";

    public static bool RequiresDigests(ManifestObject workload) =>
        (string?)workload.At($"metadata.annotations['{RequireDigestsAnnotation}']") == "true";

    /// <summary>
    /// One message per container whose image must be pinned by digest and is not (no digest, or not
    /// sha256:&lt;64 hex&gt;). Empty for environments without the annotation (dev, test).
    /// </summary>
    public static IReadOnlyList<string> FindUndigested(IReadOnlyList<ManifestObject> objects)
    {
        var workloads = Workloads.In(objects).ToList();
        // The requirement belongs to the namespace, as in the admission policy, not only to the annotated objects.
        var pinnedNamespaces = workloads.Where(RequiresDigests).Select(w => w.Namespace ?? "").ToHashSet(StringComparer.Ordinal);
        return [.. workloads.Where(w => pinnedNamespaces.Contains(w.Namespace ?? ""))
            .SelectMany(Workloads.Containers)
            .Where(c => !ImageReference.Parse(c.Image).HasValidDigest)
            .Select(c => $"{c}: image '{c.Image}' must be pinned by digest (sha256) before this environment is deployed; " +
                         "resolve the tag's digest from the registry and add `digest:` to the overlay's app/images/kustomization.yaml.")];
    }
}
