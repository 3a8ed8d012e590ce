using System.Net;
using Newtonsoft.Json.Linq;
using Platform.Build.Validation;

namespace Platform.Build.Environments;

/// <summary>
/// A pod (or an outside address) as NetworkPolicy sees it: its namespace with that namespace's labels, its own
/// labels and named ports. Outside the cluster: no namespace, only an IP.
/// </summary>
public sealed record Endpoint(string? Namespace, IReadOnlyDictionary<string, string> PodLabels, IReadOnlyDictionary<string, string> NamespaceLabels,
    string? Ip = null, IReadOnlyDictionary<string, int>? NamedPorts = null)
{
    public static Endpoint Pod(string ns, IReadOnlyDictionary<string, string> labels, IReadOnlyDictionary<string, int>? namedPorts = null) =>
        new(ns, labels, new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = ns }, null, namedPorts);

    public static Endpoint Pod(string ns, params (string Key, string Value)[] labels) =>
        Pod(ns, labels.ToDictionary(l => l.Key, l => l.Value));

    public static Endpoint External(string ip) =>
        new(null, new Dictionary<string, string>(), new Dictionary<string, string>(), ip);

    public override string ToString() => Namespace is null ? Ip ?? "outside"
        : $"{Namespace}/{{{string.Join(",", PodLabels.Select(l => l.Key + "=" + l.Value))}}}";
}

/// <summary>
/// Evaluates Kubernetes NetworkPolicy semantics (networking.k8s.io/v1) over rendered policies: a pod is isolated in a
/// direction once any policy selecting it names that direction; then traffic passes only if some rule of a
/// selecting policy admits the peer and the port. Connection allowed = egress allowed at the source AND ingress
/// allowed at the destination. Used by the tests to prove isolation on the real render, not on hand-written copies.
/// </summary>
public sealed class NetworkPolicies(IEnumerable<ManifestObject> objects)
{
    private readonly List<ManifestObject> _policies = [.. objects.Where(o => o.Kind == "NetworkPolicy")];

    public IReadOnlyList<ManifestObject> Policies => _policies;

    public bool IngressAllowed(Endpoint from, Endpoint to, int port, string protocol = "TCP") =>
        Allowed(to, from, to, port, protocol, "Ingress", "ingress", "from");

    public bool EgressAllowed(Endpoint from, Endpoint to, int port, string protocol = "TCP") =>
        Allowed(from, to, to, port, protocol, "Egress", "egress", "to");

    /// <summary>Both ends' policies, where both ends are in this set of policies' namespaces.</summary>
    public bool ConnectionAllowed(Endpoint from, Endpoint to, int port, string protocol = "TCP") =>
        EgressAllowed(from, to, port, protocol) && IngressAllowed(from, to, port, protocol);

    private bool Allowed(Endpoint subject, Endpoint peer, Endpoint destination, int port, string protocol,
        string direction, string rulesKey, string peersKey)
    {
        if (subject.Namespace is null) return true; // outside the cluster: not governed by these policies
        var selecting = _policies.Where(p => (p.Namespace ?? "") == subject.Namespace &&
            Selects(p.At("spec.podSelector") as JObject, subject.PodLabels) && PolicyTypes(p).Contains(direction)).ToList();
        if (selecting.Count == 0) return true;
        foreach (var policy in selecting)
            foreach (var rule in (policy.At($"spec.{rulesKey}") as JArray ?? []).OfType<JObject>())
                if (PeersMatch(rule[peersKey] as JArray, policy.Namespace ?? "", peer) && PortsMatch(rule["ports"] as JArray, destination, port, protocol))
                    return true;
        return false;
    }

    public static IReadOnlyList<string> PolicyTypes(ManifestObject policy)
    {
        if (policy.At("spec.policyTypes") is JArray types) return [.. types.Select(t => (string?)t ?? "")];
        return policy.At("spec.egress") is not null ? ["Ingress", "Egress"] : ["Ingress"];
    }

    private static bool PeersMatch(JArray? peers, string policyNamespace, Endpoint peer)
    {
        if (peers is null || peers.Count == 0) return true; // absent or empty: every peer
        foreach (var p in peers.OfType<JObject>())
        {
            if (p["ipBlock"] is JObject block)
            {
                if (peer.Ip is { } ip && InBlock(block, ip)) return true;
                continue;
            }
            if (peer.Namespace is null) continue; // pod/namespace selectors never match outside addresses
            var podSelector = p["podSelector"] as JObject;
            var nsSelector = p["namespaceSelector"] as JObject;
            var nsMatches = nsSelector is null ? peer.Namespace == policyNamespace : Selects(nsSelector, peer.NamespaceLabels);
            var podMatches = podSelector is null || Selects(podSelector, peer.PodLabels);
            if (nsMatches && podMatches) return true;
        }
        return false;
    }

    private static bool PortsMatch(JArray? ports, Endpoint destination, int port, string protocol)
    {
        if (ports is null || ports.Count == 0) return true;
        foreach (var p in ports.OfType<JObject>())
        {
            if (((string?)p["protocol"] ?? "TCP") != protocol) continue;
            var value = p["port"];
            if (value is null) return true;
            int? number = value.Type == JTokenType.Integer ? (int)value
                : destination.NamedPorts?.TryGetValue((string?)value ?? "", out var n) == true ? n : null;
            if (number is null) continue;
            var end = (int?)p["endPort"] ?? number;
            if (port >= number && port <= end) return true;
        }
        return false;
    }

    /// <summary>Label selector semantics: matchLabels AND matchExpressions; an empty selector matches everything.</summary>
    public static bool Selects(JObject? selector, IReadOnlyDictionary<string, string> labels)
    {
        if (selector is null) return true;
        foreach (var (key, value) in (selector["matchLabels"] as JObject ?? []).Properties().Select(p => (p.Name, (string?)p.Value)))
            if (!labels.TryGetValue(key, out var v) || v != value) return false;
        foreach (var e in (selector["matchExpressions"] as JArray ?? []).OfType<JObject>())
        {
            var key = (string?)e["key"] ?? "";
            var values = (e["values"] as JArray ?? []).Select(t => (string?)t).ToList();
            var has = labels.TryGetValue(key, out var v);
            var ok = (string?)e["operator"] switch
            {
                "In" => has && values.Contains(v),
                "NotIn" => !has || !values.Contains(v),
                "Exists" => has,
                "DoesNotExist" => !has,
                _ => false,
            };
            if (!ok) return false;
        }
        return true;
    }

    private static bool InBlock(JObject block, string ip)
    {
        if (!IPNetwork.TryParse((string?)block["cidr"] ?? "", out var cidr) || !IPAddress.TryParse(ip, out var address)) return false;
        if (!cidr.Contains(address)) return false;
        return !(block["except"] as JArray ?? []).Any(x => IPNetwork.TryParse((string?)x ?? "", out var ex) && ex.Contains(address));
    }
}
