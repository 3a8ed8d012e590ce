using System.Text.RegularExpressions;
using Platform.Build.Tests.Support;

namespace Platform.Build.Tests.Environments;

/// <summary>The environment docs name only paths that exist: repository paths in the text and the layout tree.</summary>
[TestFixture]
public partial class DocsTests
{
    private static readonly string[] Docs = ["docs/environments.md", "docs/wordpress-on-postgresql.md"];

    [TestCaseSource(nameof(Docs))]
    public void Every_repository_path_in_the_text_exists(string doc)
    {
        var missing = MissingPaths(File.ReadAllText(Repo.PathOf(doc)));
        Assert.That(missing, Is.Empty, $"{doc} names paths that do not exist");
        // The check is live: a path that is not in the repository is reported.
        Assert.That(MissingPaths("see `k8s/base/networkpolicy-wordpress.yaml`"), Is.EqualTo(new[] { "k8s/base/networkpolicy-wordpress.yaml" }));
    }

    [Test]
    public void Every_entry_of_the_layout_tree_exists()
    {
        var doc = File.ReadAllText(Repo.PathOf("docs", "environments.md"));
        var tree = Regex.Match(doc, @"## Layout\s+```\n(.*?)```", RegexOptions.Singleline).Groups[1].Value;
        var paths = TreePaths(tree).ToList();
        Assert.That(paths, Does.Contain("k8s/guardrails/base/").And.Contain("k8s/overlays/acc/app/images/"), "the tree was read");
        Assert.That(paths.Where(p => !Path.Exists(Repo.PathOf(p))), Is.Empty);
        // The check is live: an entry placed under the wrong folder is reported.
        Assert.That(TreePaths("k8s/\n  base/\n    networkpolicy-pg-db.yaml\n").Where(p => !Path.Exists(Repo.PathOf(p))),
            Is.EqualTo(new[] { "k8s/base/networkpolicy-pg-db.yaml" }));
    }

    /// <summary>Repository-relative paths (under a top-level folder of this repository) that do not exist.</summary>
    private static List<string> MissingPaths(string text) =>
        [.. RepositoryPath().Matches(text).Select(m => m.Value.TrimEnd('.', ','))
            .Where(p => !p.Contains('<') && !Path.Exists(Repo.PathOf(p))).Distinct()];

    /// <summary>The paths of an indented tree (two spaces per level, description text in a column to the right).</summary>
    private static IEnumerable<string> TreePaths(string tree)
    {
        var stack = new List<string>();
        foreach (var line in tree.Split('\n'))
        {
            var indent = line.Length - line.TrimStart().Length;
            var name = line.Trim().Split(' ')[0];
            if (name.Length == 0 || indent >= 20 || !(name.EndsWith('/') || name.Contains('.'))) continue;
            var depth = indent / 2;
            stack.RemoveRange(Math.Min(depth, stack.Count), stack.Count - Math.Min(depth, stack.Count));
            stack.Add(name);
            var path = string.Concat(stack);
            foreach (var env in path.Contains("<env>") ? Rendered.Environments : [""])
                yield return path.Replace("<env>", env, StringComparison.Ordinal);
        }
    }

    [GeneratedRegex(@"(?<![\w/.-])(k8s|build|tests|images|docs|kyverno|argocd|terraform|\.ci)/[\w./<>-]*")]
    private static partial Regex RepositoryPath();
}
