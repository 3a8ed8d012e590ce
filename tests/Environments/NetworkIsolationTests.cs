using Newtonsoft.Json.Linq;
using Platform.Build.Environments;
using Platform.Build.Validation;

namespace Platform.Build.Tests.Environments;

/// <summary>
/// The NetworkPolicy rules, evaluated on each overlay's real render with probe traffic made from the environments'
/// own pod labels; each rule fails under a mutation of the policies.
/// </summary>
[TestFixture]
public class NetworkIsolationTests
{
    private static IEnumerable<string> Environments => Rendered.Environments;

    [TestCaseSource(nameof(Environments))]
    public void Every_isolation_rule_holds(string env)
    {
        var findings = NetworkIsolationRules.Check(Rendered.Environment(env), env, Rendered.Environments);
        Assert.That(findings, Is.Empty, string.Join("\n", findings));
    }

    [TestCaseSource(nameof(Environments))]
    public void No_policy_admits_traffic_from_another_environment(string env)
    {
        var net = new NetworkPolicies(Rendered.Environment(env));
        var mine = NetworkIsolationRules.PodsOf(Rendered.Environment(env), env);
        foreach (var other in Rendered.Environments.Where(e => e != env))
            foreach (var (app, pod) in NetworkIsolationRules.PodsOf(Rendered.Environment(other), other))
                foreach (var target in mine.Values)
                    foreach (var port in new[] { 8080, 5432 })
                        Assert.That(net.IngressAllowed(pod, target, port), Is.False, $"{app} of {other} reaches {target}:{port}");
    }

    [TestCaseSource(nameof(Environments))]
    public void Pg_db_admits_only_wordpress(string env)
    {
        var objects = Rendered.Environment(env);
        var net = new NetworkPolicies(objects);
        var pods = NetworkIsolationRules.PodsOf(objects, env);
        Assert.Multiple(() =>
        {
            Assert.That(net.ConnectionAllowed(pods["wordpress"], pods["pg-db"], 5432), Is.True);
            Assert.That(net.IngressAllowed(Endpoint.Pod(env, ("app.kubernetes.io/name", "backup")), pods["pg-db"], 5432), Is.False);
        });
    }

    public sealed record Mutation(string Rule, string Description, Action<List<ManifestObject>, string> Apply)
    {
        public override string ToString() => $"{Rule}: {Description}";
    }

    private static JObject Policy(List<ManifestObject> o, string name) => Rendered.Find(o, "NetworkPolicy", name).Body;

    public static IEnumerable<Mutation> Mutations() =>
    [
        new(NetworkIsolationRules.DefaultDeny, "default-deny removed", (o, _) => o.RemoveAll(x => x.Kind == "NetworkPolicy" && x.Name == "default-deny")),
        new(NetworkIsolationRules.DefaultDeny, "default-deny covers ingress only", (o, _) => Policy(o, "default-deny")["spec"]!["policyTypes"] = new JArray("Ingress")),
        new(NetworkIsolationRules.DefaultDeny, "an allow-all ingress rule added to the default deny", (o, _) => Policy(o, "default-deny")["spec"]!["ingress"] = JArray.Parse("[{}]")),
        new(NetworkIsolationRules.AllowDns, "DNS over TCP dropped", (o, _) => ((JArray)Policy(o, "allow-dns").SelectToken("spec.egress[0].ports")!).RemoveAt(1)),
        new(NetworkIsolationRules.AllowDns, "DNS rule opened to every kube-system pod", (o, _) => ((JObject)Policy(o, "allow-dns").SelectToken("spec.egress[0].to[0]")!).Remove("podSelector")),
        new(NetworkIsolationRules.AllowDns, "DNS rule without a destination", (o, _) => ((JObject)Policy(o, "allow-dns").SelectToken("spec.egress[0]")!).Remove("to")),
        new(NetworkIsolationRules.WordpressIngress, "Traefik peer split into two peers (namespace OR pod)", (o, _) =>
            Policy(o, "wordpress").SelectToken("spec.ingress[0]")!["from"] = JArray.Parse(
                "[{\"namespaceSelector\":{\"matchLabels\":{\"kubernetes.io/metadata.name\":\"traefik\"}}},{\"podSelector\":{\"matchLabels\":{\"app.kubernetes.io/name\":\"traefik\"}}}]")),
        new(NetworkIsolationRules.WordpressIngress, "ports removed from the Traefik rule", (o, _) => ((JObject)Policy(o, "wordpress").SelectToken("spec.ingress[0]")!).Remove("ports")),
        new(NetworkIsolationRules.WordpressIngress, "wrong Traefik namespace", (o, _) => Policy(o, "wordpress").SelectToken("spec.ingress[0].from[0].namespaceSelector.matchLabels")!["kubernetes.io/metadata.name"] = "ingress"),
        new(NetworkIsolationRules.WordpressEgress, "wordpress may reach anything on 443", (o, _) => ((JArray)Policy(o, "wordpress").SelectToken("spec.egress")!).Add(JObject.Parse("{\"ports\":[{\"port\":443,\"protocol\":\"TCP\"}]}"))),
        new(NetworkIsolationRules.WordpressEgress, "wordpress egress to pg-db on every port", (o, _) => ((JObject)Policy(o, "wordpress").SelectToken("spec.egress[0]")!).Remove("ports")),
        new(NetworkIsolationRules.WordpressEgress, "wordpress policy no longer isolates egress", (o, _) => Policy(o, "wordpress")["spec"]!["policyTypes"] = new JArray("Ingress")),
        new(NetworkIsolationRules.PgDbIngress, "pg-db admits every pod of the namespace", (o, _) => ((JObject)Policy(o, "pg-db").SelectToken("spec.ingress[0].from[0].podSelector")!).Remove("matchLabels")),
        new(NetworkIsolationRules.PgDbIngress, "pg-db admits wordpress of any namespace", (o, _) => Policy(o, "pg-db").SelectToken("spec.ingress[0].from[0]")!["namespaceSelector"] = new JObject()),
        new(NetworkIsolationRules.PgDbIngress, "pg-db ingress rule removed", (o, _) => Policy(o, "pg-db")["spec"]!["ingress"] = new JArray()),
        new(NetworkIsolationRules.PgDbEgress, "pg-db may reach the internet", (o, _) => Policy(o, "pg-db")["spec"]!["egress"] = JArray.Parse("[{\"to\":[{\"ipBlock\":{\"cidr\":\"0.0.0.0/0\"}}]}]")),
        new(NetworkIsolationRules.CrossEnvironment, "a policy admitting every namespace", (o, env) => o.Add(new ManifestObject("mutation", 1, 1, JObject.Parse(
            $"{{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"NetworkPolicy\",\"metadata\":{{\"name\":\"leak\",\"namespace\":\"{env}\"}},\"spec\":{{\"podSelector\":{{}},\"ingress\":[{{\"from\":[{{\"namespaceSelector\":{{}}}}]}}]}}}}")))),
        new(NetworkIsolationRules.CrossEnvironment, "egress to every namespace", (o, env) => o.Add(new ManifestObject("mutation", 1, 1, JObject.Parse(
            $"{{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"NetworkPolicy\",\"metadata\":{{\"name\":\"leak\",\"namespace\":\"{env}\"}},\"spec\":{{\"podSelector\":{{}},\"policyTypes\":[\"Egress\"],\"egress\":[{{\"to\":[{{\"namespaceSelector\":{{\"matchExpressions\":[{{\"key\":\"kubernetes.io/metadata.name\",\"operator\":\"In\",\"values\":[\"dev\",\"test\",\"acc\",\"elsewhere\"]}}]}}}}]}}]}}}}")))),
    ];

    [Test]
    public void Every_rule_has_at_least_one_mutation() =>
        Assert.That(Mutations().Select(m => m.Rule).Distinct(), Is.EquivalentTo(NetworkIsolationRules.AllRules));

    [TestCaseSource(nameof(Mutations))]
    public void A_mutation_that_breaks_the_rule_is_reported(Mutation mutation)
    {
        foreach (var env in Rendered.Environments)
        {
            var objects = Rendered.Copy(env);
            mutation.Apply(objects, env);
            var findings = NetworkIsolationRules.Check(objects, env, Rendered.Environments);
            Assert.That(findings.Select(f => f.Rule), Does.Contain(mutation.Rule), $"{env}: {mutation} was not reported");
        }
    }

    [Test]
    public void The_evaluator_follows_the_NetworkPolicy_semantics()
    {
        // Sanity checks of the evaluator itself on a hand-made policy (the rules above rely on it).
        var policy = new ManifestObject("test", 1, 1, JObject.Parse("""
            {"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"p","namespace":"a"},
             "spec":{"podSelector":{"matchLabels":{"app":"db"}},
                     "ingress":[{"from":[{"podSelector":{"matchExpressions":[{"key":"app","operator":"In","values":["web"]}]}},
                                         {"ipBlock":{"cidr":"10.0.0.0/8","except":["10.1.0.0/16"]}}],
                                 "ports":[{"port":"pg","protocol":"TCP"},{"port":7000,"endPort":7002}]}]}}
            """));
        var net = new NetworkPolicies([policy]);
        var db = Endpoint.Pod("a", new Dictionary<string, string> { ["app"] = "db" }, new Dictionary<string, int> { ["pg"] = 5432 });
        Assert.Multiple(() =>
        {
            Assert.That(net.IngressAllowed(Endpoint.Pod("a", ("app", "web")), db, 5432), Is.True, "named port");
            Assert.That(net.IngressAllowed(Endpoint.Pod("a", ("app", "web")), db, 7001), Is.True, "port range");
            Assert.That(net.IngressAllowed(Endpoint.Pod("a", ("app", "web")), db, 7003), Is.False);
            Assert.That(net.IngressAllowed(Endpoint.Pod("b", ("app", "web")), db, 5432), Is.False, "podSelector alone means the policy's namespace");
            Assert.That(net.IngressAllowed(Endpoint.External("10.2.3.4"), db, 5432), Is.True, "ipBlock");
            Assert.That(net.IngressAllowed(Endpoint.External("10.1.3.4"), db, 5432), Is.False, "ipBlock except");
            Assert.That(net.IngressAllowed(Endpoint.Pod("a", ("app", "web")), db, 5432, "UDP"), Is.False, "protocol");
            Assert.That(net.IngressAllowed(Endpoint.Pod("a", ("app", "x")), Endpoint.Pod("a", ("app", "web")), 80), Is.True, "unselected pods are not isolated");
            Assert.That(net.EgressAllowed(db, Endpoint.External("1.1.1.1"), 443), Is.True, "Ingress-only policy does not isolate egress");
        });
    }
}
