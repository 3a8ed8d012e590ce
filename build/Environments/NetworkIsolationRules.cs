using Newtonsoft.Json.Linq;
using Platform.Build.Validation;

namespace Platform.Build.Environments;

/// <summary>
/// The NetworkPolicy rules of one environment, proven by evaluating its rendered policies against probe traffic
/// built from the environment's own pod labels: default deny both ways, DNS only to kube-dns, wordpress reachable only
/// from Traefik, wordpress reaching only pg-db:5432, pg-db reachable only from wordpress, nothing across environments.
/// </summary>
public static class NetworkIsolationRules
{
    public const string DefaultDeny = "default-deny";
    public const string AllowDns = "allow-dns";
    public const string WordpressIngress = "wordpress-ingress";
    public const string WordpressEgress = "wordpress-egress";
    public const string PgDbIngress = "pg-db-ingress";
    public const string PgDbEgress = "pg-db-egress";
    public const string CrossEnvironment = "cross-environment";

    public static readonly string[] AllRules = [DefaultDeny, AllowDns, WordpressIngress, WordpressEgress, PgDbIngress, PgDbEgress, CrossEnvironment];

    public const string TraefikNamespace = "traefik";
    private static readonly Endpoint Traefik = Endpoint.Pod(TraefikNamespace, ("app.kubernetes.io/name", "traefik"));
    private static readonly Endpoint KubeDns = Endpoint.Pod("kube-system", ("k8s-app", "kube-dns"));

    /// <summary>The pods an environment runs, with its real labels and named ports, keyed by app.kubernetes.io/name.</summary>
    public static IReadOnlyDictionary<string, Endpoint> PodsOf(IReadOnlyList<ManifestObject> objects, string environment) =>
        Workloads.In(objects).GroupBy(Workloads.AppName).ToDictionary(g => g.Key, g =>
        {
            var w = g.First();
            var labels = (Workloads.PodTemplate(w)?["metadata"]?["labels"] as JObject ?? [])
                .Properties().ToDictionary(p => p.Name, p => (string?)p.Value ?? "");
            var ports = Workloads.Containers(w).SelectMany(c => (c.Container["ports"] as JArray ?? []).OfType<JObject>())
                .Where(p => p["name"] is not null).GroupBy(p => (string)p["name"]!).ToDictionary(p => p.Key, p => (int)p.First()["containerPort"]!);
            return Endpoint.Pod(environment, labels, ports);
        });

    public static IReadOnlyList<RuleFinding> Check(IReadOnlyList<ManifestObject> objects, string environment, IEnumerable<string> otherEnvironments)
    {
        var findings = new List<RuleFinding>();
        var net = new NetworkPolicies(objects.Where(o => o.Namespace == environment));
        var pods = PodsOf(objects, environment);
        var intruder = Endpoint.Pod(environment, ("app.kubernetes.io/name", "intruder"));
        void Expect(string rule, bool actual, bool expected, string what)
        {
            if (actual != expected) findings.Add(new(rule, $"NetworkPolicy/{environment}", $"{what} is {(actual ? "allowed" : "denied")}, must be {(expected ? "allowed" : "denied")}."));
        }

        // Default deny: a policy selecting every pod, both directions, with no rule.
        var denyAll = net.Policies.Any(p => p.At("spec.podSelector") is JObject sel && !sel.HasValues &&
            NetworkPolicies.PolicyTypes(p) is var t && t.Contains("Ingress") && t.Contains("Egress") &&
            (p.At("spec.ingress") as JArray ?? []).Count == 0 && (p.At("spec.egress") as JArray ?? []).Count == 0);
        if (!denyAll) findings.Add(new(DefaultDeny, $"NetworkPolicy/{environment}", "no policy denies all ingress and egress of every pod (podSelector {}, both policyTypes, no rules)."));
        Expect(DefaultDeny, net.IngressAllowed(intruder, intruder, 8080), false, "traffic between two unlisted pods of the environment");
        Expect(DefaultDeny, net.EgressAllowed(intruder, Endpoint.External("203.0.113.10"), 443), false, "egress of an unlisted pod to the internet");

        // DNS: every pod to kube-dns on UDP and TCP 53, nothing else in kube-system.
        foreach (var pod in pods.Values.Append(intruder))
        {
            Expect(AllowDns, net.EgressAllowed(pod, KubeDns, 53, "UDP"), true, $"DNS over UDP 53 from {pod} to kube-dns");
            Expect(AllowDns, net.EgressAllowed(pod, KubeDns, 53, "TCP"), true, $"DNS over TCP 53 from {pod} to kube-dns");
            Expect(AllowDns, net.EgressAllowed(pod, KubeDns, 443), false, $"{pod} to kube-dns on 443");
            Expect(AllowDns, net.EgressAllowed(pod, Endpoint.Pod("kube-system", ("k8s-app", "metrics-server")), 53, "UDP"), false, $"{pod} to a non-DNS kube-system pod on 53");
            Expect(AllowDns, net.EgressAllowed(pod, Endpoint.External("9.9.9.9"), 53, "UDP"), false, $"{pod} to an outside resolver");
        }

        if (pods.TryGetValue("wordpress", out var wordpress) && pods.TryGetValue("pg-db", out var pgDb))
        {
            Expect(WordpressIngress, net.IngressAllowed(Traefik, wordpress, 8080), true, "Traefik to wordpress:8080");
            Expect(WordpressIngress, net.IngressAllowed(Traefik, wordpress, 9000), false, "Traefik to wordpress:9000");
            Expect(WordpressIngress, net.IngressAllowed(Endpoint.Pod(TraefikNamespace, ("app.kubernetes.io/name", "other")), wordpress, 8080), false,
                "a non-Traefik pod of the traefik namespace to wordpress:8080");
            Expect(WordpressIngress, net.IngressAllowed(Endpoint.Pod("default", ("app.kubernetes.io/name", "traefik")), wordpress, 8080), false,
                "a pod labelled as Traefik outside the traefik namespace to wordpress:8080");
            Expect(WordpressIngress, net.IngressAllowed(pgDb, wordpress, 8080), false, "pg-db to wordpress:8080");
            Expect(WordpressIngress, net.IngressAllowed(intruder, wordpress, 8080), false, "another pod of the environment to wordpress:8080");
            Expect(WordpressIngress, net.IngressAllowed(Endpoint.External("203.0.113.10"), wordpress, 8080), false, "an outside address to wordpress:8080");

            Expect(WordpressEgress, net.ConnectionAllowed(wordpress, pgDb, 5432), true, "wordpress to pg-db:5432");
            Expect(WordpressEgress, net.EgressAllowed(wordpress, pgDb, 22), false, "wordpress to pg-db:22");
            Expect(WordpressEgress, net.EgressAllowed(wordpress, intruder, 5432), false, "wordpress to another pod on 5432");
            Expect(WordpressEgress, net.EgressAllowed(wordpress, Endpoint.External("203.0.113.10"), 443), false, "wordpress to the internet");
            Expect(WordpressEgress, net.EgressAllowed(wordpress, Endpoint.Pod("kube-system", ("component", "kube-apiserver")), 6443), false, "wordpress to the API server");
            Expect(WordpressEgress, net.EgressAllowed(wordpress, Traefik, 8080), false, "wordpress to Traefik");

            Expect(PgDbIngress, net.IngressAllowed(wordpress, pgDb, 5432), true, "wordpress to pg-db:5432");
            Expect(PgDbIngress, net.IngressAllowed(intruder, pgDb, 5432), false, "another pod of the environment to pg-db:5432");
            Expect(PgDbIngress, net.IngressAllowed(Traefik, pgDb, 5432), false, "Traefik to pg-db:5432");
            Expect(PgDbIngress, net.IngressAllowed(Endpoint.Pod("elsewhere", wordpress.PodLabels), pgDb, 5432), false,
                "a wordpress pod of another namespace to pg-db:5432");
            Expect(PgDbIngress, net.IngressAllowed(wordpress, pgDb, 22), false, "wordpress to pg-db:22");
            Expect(PgDbIngress, net.IngressAllowed(Endpoint.External("203.0.113.10"), pgDb, 5432), false, "an outside address to pg-db:5432");

            Expect(PgDbEgress, net.EgressAllowed(pgDb, Endpoint.External("203.0.113.10"), 443), false, "pg-db to the internet");
            Expect(PgDbEgress, net.EgressAllowed(pgDb, wordpress, 8080), false, "pg-db to wordpress");
            Expect(PgDbEgress, net.EgressAllowed(pgDb, intruder, 5432), false, "pg-db to another pod");
        }
        else
        {
            findings.Add(new(WordpressIngress, environment, "the render has no wordpress and pg-db workloads to check."));
        }

        // Nothing crosses environments: the same pods, with the same labels, in another environment's namespace.
        foreach (var other in otherEnvironments.Where(o => o != environment).Append("elsewhere"))
            foreach (var (app, pod) in pods.Append(new("intruder", intruder)))
            {
                var twin = Endpoint.Pod(other, pod.PodLabels.ToDictionary(l => l.Key, l => l.Value));
                foreach (var target in pods.Values)
                    foreach (var port in new[] { 8080, 5432, 80, 443, 53 })
                    {
                        Expect(CrossEnvironment, net.IngressAllowed(twin, target, port), false, $"{app} of '{other}' to {target}:{port}");
                        Expect(CrossEnvironment, net.EgressAllowed(target, twin, port), false, $"{target} to {app} of '{other}' on {port}");
                    }
            }
        return findings;
    }
}
