using Platform.Build.Logging;
using YamlDotNet.RepresentationModel;

namespace Platform.Build.Bootstrap;

/// <summary>
/// Turns the control plane's admin.conf into the local kubeconfig: server set to the public endpoint (or the local
/// tunnel), credentials embedded (no file path of any machine), secrets registered for redaction.
/// </summary>
public static class Kubeconfig
{
    private static readonly string[] PathFields = ["certificate-authority", "client-certificate", "client-key", "tokenFile"];
    private static readonly string[] SecretFields = ["client-key-data", "token", "password"];

    public static string ServerFor(BootstrapSpec spec) =>
        spec.ApiAccess == ApiAccess.Tunnel
            ? $"https://127.0.0.1:{spec.TunnelLocalPort}"
            : $"https://{spec.Inventory.ApiPublicEndpoint}";

    public static string Rewrite(string adminConf, string server)
    {
        var stream = new YamlStream();
        try { stream.Load(new StringReader(adminConf)); }
        catch (YamlDotNet.Core.YamlException e) { throw new InvalidDataException($"admin.conf from the control plane is not YAML: {e.Message}"); }
        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new InvalidDataException("admin.conf from the control plane is not a single kubeconfig document.");
        if (Scalar(root, "kind") != "Config")
            throw new InvalidDataException("admin.conf from the control plane is not a kubeconfig (kind: Config).");
        var clusters = root.Children.TryGetValue("clusters", out var c) && c is YamlSequenceNode seq ? seq : null;
        if (clusters is null || clusters.Children.Count == 0)
            throw new InvalidDataException("admin.conf from the control plane lists no cluster.");
        foreach (var node in Walk(root))
        {
            foreach (var (key, value) in node.Children)
            {
                var name = ((YamlScalarNode)key).Value ?? "";
                if (PathFields.Contains(name))
                    throw new InvalidDataException($"admin.conf refers to a file ('{name}: {((YamlScalarNode)value).Value}'); the local kubeconfig must embed its credentials.");
                if (SecretFields.Contains(name) && value is YamlScalarNode s) Redaction.Register(s.Value);
            }
        }
        foreach (var entry in clusters.Children.OfType<YamlMappingNode>())
            if (entry.Children.TryGetValue("cluster", out var cluster) && cluster is YamlMappingNode m)
                m.Children[new YamlScalarNode("server")] = new YamlScalarNode(server);
        var writer = new StringWriter();
        stream.Save(writer, assignAnchors: false);
        var text = writer.ToString();
        // YamlStream.Save ends each document with "..."; kubectl accepts it, but keep the file plain.
        return text.EndsWith("...\n", StringComparison.Ordinal) ? text[..^4] : text;
    }

    private static string? Scalar(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(key, out var v) && v is YamlScalarNode s ? s.Value : null;

    private static IEnumerable<YamlMappingNode> Walk(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                yield return map;
                foreach (var child in map.Children.Values)
                    foreach (var m in Walk(child)) yield return m;
                break;
            case YamlSequenceNode seq:
                foreach (var child in seq.Children)
                    foreach (var m in Walk(child)) yield return m;
                break;
        }
    }
}
