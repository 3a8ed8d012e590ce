using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;
using Platform.Build.Tests.Support;
using Platform.Build.Validation;
using static Platform.Build.Tests.GitOps.GitOpsTestSupport;

namespace Platform.Build.Tests.GitOps;

/// <summary>
/// docs/runbooks/kyverno-webhook-down.md pauses Argo CD before it deletes Kyverno's webhooks. The pause only holds when
/// the self-healing root app is paused before its children, and the restore puts back exactly what Git has, in reverse.
/// The commands are read from the runbook and checked against the rendered Argo CD tree.
/// </summary>
public sealed partial class RunbookTests
{
    private static readonly string RunbookPath = Repo.PathOf("docs", "runbooks", "kyverno-webhook-down.md");

    /// <summary>One `kubectl -n argocd patch application` line of the runbook and the automated sync policy it sets.</summary>
    public sealed record SyncPatch(string App, JToken Automated);

    /// <summary>The sync-policy patches of the runbook, in the order a reader runs them.</summary>
    public static IReadOnlyList<SyncPatch> Patches(string markdown) =>
        [.. PatchLine().Matches(markdown).Select(m =>
        {
            var body = JObject.Parse(m.Groups["json"].Value);
            return new SyncPatch(m.Groups["app"].Value, body.SelectToken("spec.syncPolicy.automated") ?? JValue.CreateUndefined());
        })];

    /// <summary>
    /// Findings of the pause/restore procedure: the root app (which self-heals argocd/apps) is paused before any child,
    /// every Application deploying into namespace kyverno is paused, the pause removes `automated`, the restore runs in
    /// reverse and sets the automated policy each Application has in Git.
    /// </summary>
    public static IReadOnlyList<string> Check(string markdown, ManifestObject root, IReadOnlyList<ManifestObject> children)
    {
        var findings = new List<string>();
        var patches = Patches(markdown);
        var pause = patches.Where(p => p.Automated.Type == JTokenType.Null).Select(p => p.App).ToList();
        var restore = patches.Where(p => p.Automated.Type != JTokenType.Null).ToList();
        var apps = children.Where(o => o.Kind == "Application").Append(root).ToDictionary(a => a.Name);

        foreach (var p in patches.Where(p => !apps.ContainsKey(p.App)))
            findings.Add($"The runbook patches Application '{p.App}', which the rendered Argo CD tree does not have.");
        foreach (var kyvernoApp in children.Where(o => o.Kind == "Application" && (string?)o.At("spec.destination.namespace") == "kyverno"))
            if (!pause.Contains(kyvernoApp.Name))
                findings.Add($"The runbook does not pause {kyvernoApp.Name}, which deploys into namespace kyverno.");
        if (root.At("spec.syncPolicy.automated.selfHeal") is JValue { Type: JTokenType.Boolean } heal && (bool)heal && pause.Count > 0
            && pause[0] != root.Name)
            findings.Add($"The runbook must pause {root.Name} first: it self-heals argocd/apps and would restore the children's " +
                $"automated sync from Git within seconds (it pauses: {string.Join(", ", pause)}).");
        if (!restore.Select(r => r.App).SequenceEqual(Enumerable.Reverse(pause)))
            findings.Add($"The restore must re-enable in reverse order of the pause ({string.Join(", ", Enumerable.Reverse(pause))}); " +
                $"it re-enables: {string.Join(", ", restore.Select(r => r.App))}.");
        foreach (var r in restore.Where(r => apps.ContainsKey(r.App)))
        {
            var git = apps[r.App].At("spec.syncPolicy.automated");
            if (!JToken.DeepEquals(git, r.Automated))
                findings.Add($"The restore of {r.App} sets automated {r.Automated.ToString(Newtonsoft.Json.Formatting.None)}; Git has " +
                    $"{git?.ToString(Newtonsoft.Json.Formatting.None) ?? "none"}.");
        }
        return findings;
    }

    private static ManifestObject RootApp => Find(Root, "Application", "platform-root");

    [Test]
    public void The_runbook_pauses_the_root_app_first_and_restores_in_reverse_to_what_Git_has()
    {
        var markdown = File.ReadAllText(RunbookPath);
        Assert.That(Patches(markdown), Has.Count.EqualTo(6), "three pauses, three restores");
        Assert.That(Check(markdown, RootApp, Apps), Is.Empty);
    }

    public sealed record Mutation(string Name, Func<string, string> Apply, string Expected)
    {
        public override string ToString() => Name;
    }

    private const string PauseRoot = "application platform-root --type merge -p '{\"spec\":{\"syncPolicy\":{\"automated\":null}}}'";
    private const string RestoreRoot = "application platform-root --type merge -p '{\"spec\":{\"syncPolicy\":{\"automated\":{\"prune\":true,\"selfHeal\":true}}}}'";

    public static IEnumerable<Mutation> Mutations() =>
    [
        new("the children are paused before the root", t => MoveLine(t, PauseRoot, "automated\":null", after: true), "must pause platform-root first"),
        new("the root is not paused at all", t => t.Replace("kubectl -n argocd patch " + PauseRoot, ""), "must pause platform-root first"),
        new("the Kyverno add-on is not paused", t => t.Replace("patch application addon-kyverno --type merge -p '{\"spec\":{\"syncPolicy\":{\"automated\":null}}}'", "get application addon-kyverno"),
            "does not pause addon-kyverno"),
        new("the root is restored before the children", t => MoveLine(t, RestoreRoot, "selfHeal\":true", after: false), "reverse order"),
        new("the restore turns self-heal off", t => t.Replace(RestoreRoot, RestoreRoot.Replace("\"selfHeal\":true", "\"selfHeal\":false")), "Git has"),
        new("a renamed Application", t => t.Replace("patch application kyverno-policies", "patch application policies"), "does not have"),
    ];

    [TestCaseSource(nameof(Mutations))]
    public void A_broken_procedure_is_reported(Mutation mutation)
    {
        var markdown = File.ReadAllText(RunbookPath);
        var changed = mutation.Apply(markdown);
        Assert.That(changed, Is.Not.EqualTo(markdown), "the mutation must change the runbook");
        Assert.That(Check(changed, RootApp, Apps), Has.Some.Contains(mutation.Expected));
    }

    /// <summary>Moves the line containing <paramref name="line"/> to after the last (or before the first) patch line containing <paramref name="anchor"/>.</summary>
    private static string MoveLine(string markdown, string line, string anchor, bool after)
    {
        var lines = markdown.Split('\n').ToList();
        var from = lines.FindIndex(l => l.Contains(line, StringComparison.Ordinal));
        var moved = lines[from];
        lines.RemoveAt(from);
        bool IsAnchor(string l) => l.Contains("patch application", StringComparison.Ordinal) && l.Contains(anchor, StringComparison.Ordinal);
        var to = after ? lines.FindLastIndex(IsAnchor) + 1 : lines.FindIndex(IsAnchor);
        lines.Insert(to, moved);
        return string.Join('\n', lines);
    }

    [GeneratedRegex(@"kubectl -n argocd patch application (?<app>[a-z0-9-]+) --type merge -p '(?<json>[^']*)'")]
    private static partial Regex PatchLine();
}
