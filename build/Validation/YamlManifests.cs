using System.Globalization;
using Newtonsoft.Json.Linq;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Platform.Build.Validation;

/// <summary>A file that is not valid YAML; names the file and line.</summary>
public sealed class ManifestParseException(string source, long line, string message)
    : Exception($"{source}: line {line}: malformed YAML: {message}")
{
    public string File { get; } = source;
    public long LineNumber { get; } = line;
}

/// <summary>
/// Reads multi-document YAML into JSON objects with the types Kubernetes would see: plain scalars are resolved by the
/// YAML 1.2 core schema (true/false, null, integers, floats), quoted scalars stay strings.
/// </summary>
public static class YamlManifests
{
    public static IReadOnlyList<ManifestObject> ParseFile(string path) => Parse(System.IO.File.ReadAllText(path), path);

    public static IReadOnlyList<ManifestObject> Parse(string yaml, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new ManifestParseException(source, e.Start.Line, e.InnerException?.Message ?? e.Message);
        }
        catch (InvalidOperationException e)
        {
            // Some syntax errors (an unclosed flow sequence) surface as a parser state error without a position.
            throw new ManifestParseException(source, LastParsedLine(yaml), e.Message);
        }

        var objects = new List<ManifestObject>();
        for (var i = 0; i < stream.Documents.Count; i++)
        {
            var root = stream.Documents[i].RootNode;
            if (root is YamlScalarNode { Value: null or "" or "~" or "null" }) continue; // empty document
            if (ToJson(root) is not JObject body)
                throw new ManifestParseException(source, root.Start.Line, $"document {i + 1} is not a mapping");
            if (body.Properties().Any())
            {
                // A List (kubectl get -o yaml) is several objects.
                if (((string?)body["kind"])?.EndsWith("List", StringComparison.Ordinal) == true && body["items"] is JArray items)
                    objects.AddRange(items.OfType<JObject>().Select(o => new ManifestObject(source, i + 1, (int)root.Start.Line, o)));
                else
                    objects.Add(new ManifestObject(source, i + 1, (int)root.Start.Line, body));
            }
        }
        return objects;
    }

    private static long LastParsedLine(string yaml)
    {
        var parser = new Parser(new StringReader(yaml));
        long line = 1;
        try
        {
            while (parser.MoveNext()) line = parser.Current?.End.Line ?? line;
        }
        catch (Exception e) when (e is YamlException or InvalidOperationException)
        {
            if (e is YamlException y) line = y.Start.Line;
        }
        return line;
    }

    public static JToken ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JObject(map.Children.Select(kv => new JProperty(((YamlScalarNode)kv.Key).Value ?? "", ToJson(kv.Value)))
            .GroupBy(p => p.Name).Select(g => g.Last())),
        YamlSequenceNode seq => new JArray(seq.Children.Select(ToJson)),
        YamlScalarNode scalar => Scalar(scalar),
        _ => JValue.CreateNull(),
    };

    private static JToken Scalar(YamlScalarNode node)
    {
        var value = node.Value ?? "";
        if (node.Style != ScalarStyle.Plain || !node.Tag.IsEmpty && node.Tag.Value == "tag:yaml.org,2002:str") return new JValue(value);
        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL": return JValue.CreateNull();
            case "true" or "True" or "TRUE": return new JValue(true);
            case "false" or "False" or "FALSE": return new JValue(false);
        }
        if (System.Text.RegularExpressions.Regex.IsMatch(value, "^[-+]?[0-9]+$") &&
            long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return new JValue(l);
        if (System.Text.RegularExpressions.Regex.IsMatch(value, @"^0x[0-9a-fA-F]+$")) return new JValue(Convert.ToInt64(value, 16));
        if (System.Text.RegularExpressions.Regex.IsMatch(value, @"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$") &&
            double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return new JValue(d);
        return new JValue(value);
    }
}
