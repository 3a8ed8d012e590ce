using Platform.Build.Validation;

namespace Platform.Build.Environments;

/// <summary>
/// The digest pin of production-like environments. Workloads carrying <see cref="RequireDigestsAnnotation"/> (added
/// by k8s/components/pinned-digests, used by acc) must reference every image by sha256 digest. Deploy calls
/// <see cref="FindUndigested"/> before applying such an environment; digests are resolved from the registry by a
/// tool, never typed in.
/// </summary>
public static class EnvironmentImages
{
    public const string RequireDigestsAnnotation = "seed.platform/require-image-digests";

    public static bool RequiresDigests(ManifestObject workload) =>
        (string?)workload.At($"metadata.annotations['{RequireDigestsAnnotation}']") == "true";

    /// <summary>One message per image that must be pinned by digest and is not.</summary>
    public static IReadOnlyList<string> FindUndigested(IReadOnlyList<ManifestObject> objects) =>
        [.. Workloads.In(objects).Where(RequiresDigests)
            .SelectMany(Workloads.Containers)
            .Where(c => !ImageReference.Parse(c.Image).HasValidDigest)
            .Select(c => $"{c}: image '{c.Image}' must be pinned by digest (sha256) before this environment is deployed; " +
                         "resolve the tag's digest from the registry and add `digest:` to the overlay's app/images/kustomization.yaml.")];
}
