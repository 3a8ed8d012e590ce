using Newtonsoft.Json.Linq;
using Platform.Build.Validation;

namespace Platform.Build.Tests.Environments;

/// <summary>
/// A cheap structural check of objects against the Kubernetes 1.35 OpenAPI v3 schemas: the kind exists for the
/// apiVersion, required fields are present, no unknown fields, and basic types match. The lead's Validate target
/// does the full strict validation; this keeps the environments' own tests honest on their own.
/// </summary>
internal sealed class SchemaCheck(string schemaDir)
{
    private readonly Dictionary<string, JObject> _files = new();

    public IReadOnlyList<string> Check(ManifestObject o)
    {
        var problems = new List<string>();
        var file = o.Group.Length == 0
            ? Path.Combine(schemaDir, "kubernetes", "1.35", "api", o.Version + ".json")
            : Path.Combine(schemaDir, "kubernetes", "1.35", "apis", o.Group, o.Version + ".json");
        if (!File.Exists(file)) return [$"{o.Id}: no schema for {o.ApiVersion} ({file})"];
        var schemas = Load(file);
        var root = schemas.Properties().Select(p => p.Value).OfType<JObject>().FirstOrDefault(s =>
            (s["x-kubernetes-group-version-kind"] as JArray ?? []).Any(g => (string?)g["kind"] == o.Kind &&
                (string?)g["group"] == o.Group && (string?)g["version"] == o.Version));
        if (root is null) return [$"{o.Id}: kind {o.Kind} is not in {o.ApiVersion}"];
        Walk(o.Body, root, schemas, o.Id, problems);
        return problems;
    }

    private JObject Load(string file)
    {
        if (!_files.TryGetValue(file, out var s))
            _files[file] = s = (JObject)JObject.Parse(File.ReadAllText(file))["components"]!["schemas"]!;
        return s;
    }

    private static JObject Resolve(JObject schema, JObject schemas)
    {
        while (true)
        {
            if (schema["$ref"] is JValue r) schema = (JObject)schemas[((string)r!).Split('/').Last()]!;
            else if (schema["allOf"] is JArray { Count: 1 } all && all[0]["$ref"] is not null) schema = (JObject)all[0];
            else return schema;
        }
    }

    private static void Walk(JToken value, JObject schema, JObject schemas, string path, List<string> problems)
    {
        schema = Resolve(schema, schemas);
        if (schema["oneOf"] is JArray || (string?)schema["format"] == "int-or-string") return; // Quantity, IntOrString
        var type = (string?)schema["type"];
        switch (type)
        {
            case "object" when value is not JObject:
            case "array" when value is not JArray:
            case "string" when value.Type != JTokenType.String:
            case "integer" when value.Type != JTokenType.Integer:
            case "boolean" when value.Type != JTokenType.Boolean:
                problems.Add($"{path}: expected {type}, got {value.Type}");
                return;
        }
        if (value is JObject obj)
        {
            var properties = schema["properties"] as JObject;
            foreach (var required in (schema["required"] as JArray ?? []).Select(r => (string?)r))
                if (obj[required!] is null) problems.Add($"{path}: required field '{required}' is missing");
            foreach (var p in obj.Properties())
            {
                if (properties?[p.Name] is JObject ps) Walk(p.Value, ps, schemas, $"{path}.{p.Name}", problems);
                else if (schema["additionalProperties"] is JObject ap) Walk(p.Value, ap, schemas, $"{path}.{p.Name}", problems);
                else if (properties is not null) problems.Add($"{path}: unknown field '{p.Name}'");
            }
        }
        else if (value is JArray arr && schema["items"] is JObject items)
        {
            for (var i = 0; i < arr.Count; i++) Walk(arr[i], items, schemas, $"{path}[{i}]", problems);
        }
    }
}
