using Newtonsoft.Json.Linq;

namespace Platform.Build.Validation;

/// <summary>One Kubernetes object read from a file or a render, with where it came from.</summary>
public sealed record ManifestObject(string Source, int Document, int Line, JObject Body)
{
    public string ApiVersion => (string?)Body["apiVersion"] ?? "";
    public string Kind => (string?)Body["kind"] ?? "";
    public string Name => (string?)Body["metadata"]?["name"] ?? "";
    public string? Namespace => (string?)Body["metadata"]?["namespace"];
    /// <summary>API group; "" for the core group.</summary>
    public string Group => ApiVersion.Contains('/') ? ApiVersion[..ApiVersion.IndexOf('/')] : "";
    public string Version => ApiVersion.Contains('/') ? ApiVersion[(ApiVersion.IndexOf('/') + 1)..] : ApiVersion;

    /// <summary>kind/namespace/name, as the validator names objects in its findings.</summary>
    public string Id => Namespace is null ? $"{Kind}/{Name}" : $"{Kind}/{Namespace}/{Name}";

    public override string ToString() => $"{Id} ({Source}, document {Document}, line {Line})";

    /// <summary>Selects a token by a JSONPath expression (Newtonsoft syntax), or null.</summary>
    public JToken? At(string path) => Body.SelectToken(path);
}
