using Newtonsoft.Json.Linq;
using Platform.Build.Validation;

namespace Platform.Build.GitOps;

/// <summary>One line of Argo CD's RBAC policy.csv: a permission (p) or a group-to-role mapping (g).</summary>
public sealed record RbacRule(string Type, string Subject, string Resource, string Action, string Object, string Effect);

/// <summary>
/// Checks the Argo CD settings as code (argocd/install/values.yaml): the named roles exist with least privilege, the
/// default role grants nothing, SSO takes its client secret from a Secret, and notifications cover sync failure and
/// degraded health.
/// </summary>
public static class ArgoCdRbac
{
    public const string AdminRole = "role:platform-admin";
    public const string AuditorRole = "role:auditor";
    public const string DefaultRole = "role:minimal";
    public static readonly IReadOnlyList<string> DeployerRoles = ["role:deployer-dev", "role:deployer-test"];

    public static IReadOnlyList<RbacRule> ParsePolicyCsv(string csv) =>
        [.. csv.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split(',').Select(f => f.Trim()).ToArray())
            .Select(f => f[0] == "g"
                ? new RbacRule("g", f[1], "", "", f.ElementAtOrDefault(2) ?? "", "")
                : new RbacRule(f[0], f.ElementAtOrDefault(1) ?? "", f.ElementAtOrDefault(2) ?? "", f.ElementAtOrDefault(3) ?? "",
                    f.ElementAtOrDefault(4) ?? "", f.ElementAtOrDefault(5) ?? ""))];

    public static IReadOnlyList<string> Check(string valuesYaml)
    {
        var values = YamlManifests.Parse(valuesYaml, "argocd/install/values.yaml").Single().Body;
        var findings = new List<string>();
        var rbac = values.SelectToken("configs.rbac") as JObject;
        var rules = ParsePolicyCsv((string?)rbac?["policy.csv"] ?? "");
        var allows = rules.Where(r => r.Type == "p" && r.Effect == "allow").ToList();

        if ((string?)rbac?["policy.default"] != DefaultRole)
            findings.Add($"configs.rbac.policy.default must be {DefaultRole} (signed-in users without a group get nothing).");
        if (allows.Any(r => r.Subject == DefaultRole))
            findings.Add($"{DefaultRole} must not be granted anything.");
        foreach (var role in new[] { AdminRole, AuditorRole }.Concat(DeployerRoles))
            if (!rules.Any(r => r.Type == "g" && r.Object == role))
                findings.Add($"No group is mapped to {role}.");

        foreach (var role in DeployerRoles)
        {
            var env = role["role:deployer-".Length..];
            foreach (var r in allows.Where(r => r.Subject == role))
            {
                if (r.Resource == "applications" && r.Action != "get" && !r.Object.StartsWith($"env-{env}/", StringComparison.Ordinal))
                    findings.Add($"{role} may '{r.Action}' applications '{r.Object}': deployers act on env-{env} only.");
                if (r.Resource == "applications" && r.Action is "*" or "delete" or "override" or "update")
                    findings.Add($"{role} may '{r.Action}' applications: deployers may only get and sync.");
                if (r.Resource is not ("applications" or "logs"))
                    findings.Add($"{role} may act on {r.Resource}: deployers see applications and their logs only.");
            }
        }
        foreach (var r in allows.Where(r => r.Subject == AuditorRole && r.Action != "get"))
            findings.Add($"{AuditorRole} may '{r.Action}' {r.Resource}: auditors are read-only.");
        foreach (var r in allows.Where(r => r.Subject != AdminRole && r.Object.StartsWith("env-acc/", StringComparison.Ordinal) && r.Action != "get"))
            findings.Add($"{r.Subject} may '{r.Action}' env-acc: only platform admins sync acc.");

        var oidc = (string?)values.SelectToken("configs.cm['oidc.config']") ?? "";
        var secretLine = oidc.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("clientSecret:", StringComparison.Ordinal));
        if (secretLine is null || !secretLine["clientSecret:".Length..].Trim().StartsWith('$'))
            findings.Add("configs.cm.oidc.config must read clientSecret from a Secret ($<secret>:<key>), never hold it.");
        if ((string?)values.SelectToken("configs.cm['admin.enabled']") is not ("true" or "false"))
            findings.Add("configs.cm.admin.enabled must be set explicitly (the documented switch to turn the local admin off).");
        foreach (var trigger in new[] { "trigger.on-sync-failed", "trigger.on-health-degraded" })
            if (values.SelectToken($"notifications.triggers['{trigger}']") is null)
                findings.Add($"notifications.triggers has no {trigger}.");
        if (values.SelectToken("notifications.secret.create") is not JValue { Value: false })
            findings.Add("notifications.secret.create must be false: the webhook URL comes from a Secret created at deploy time.");
        return findings;
    }
}
