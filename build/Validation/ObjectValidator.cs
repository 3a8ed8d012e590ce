using Newtonsoft.Json.Linq;
using NJsonSchema.Validation;

namespace Platform.Build.Validation;

public enum Severity { Error, Warning }

/// <summary>One problem with one object: the file, the object (kind/namespace/name), the JSON path and what is wrong.</summary>
public sealed record Finding(Severity Severity, string Source, string Object, string Path, string Message, string Check)
{
    public override string ToString() => $"{Source}: {Object}: {(Path.Length > 0 ? Path + ": " : "")}{Message} [{Check}]";
}

/// <summary>Validates objects against their kind's schema, strictly.</summary>
public sealed class ObjectValidator(SchemaStore schemas)
{
    public const string CheckName = "schema";

    public async Task<IReadOnlyList<Finding>> ValidateAsync(ManifestObject obj, CancellationToken ct = default)
    {
        Finding Error(string path, string message) => new(Severity.Error, obj.Source, obj.Id, path, message, CheckName);

        if (obj.ApiVersion.Length == 0) return [Error("apiVersion", "missing required field 'apiVersion'")];
        if (obj.Kind.Length == 0) return [Error("kind", "missing required field 'kind'")];
        if (obj.Name.Length == 0 && obj.Body["metadata"]?["generateName"] is null)
            return [Error("metadata.name", "missing required field 'metadata.name'")];

        var schema = await schemas.FindAsync(obj.Group, obj.Version, obj.Kind, ct).ConfigureAwait(false);
        if (schema is null)
            return [Error("", $"unknown kind '{obj.Kind}' in apiVersion '{obj.ApiVersion}': no Kubernetes {obj.ApiVersion} schema and no CRD schema crds/{(obj.Group.Length == 0 ? "core" : obj.Group)}/{obj.Kind.ToLowerInvariant()}_{obj.Version}.json in {schemas.Source.Description}")];

        var body = (JObject)obj.Body.DeepClone();
        RemoveNulls(body);
        var errors = schema.Validate(body);
        return Flatten(errors).Select(e => Error(PathOf(e), Describe(e))).Distinct().ToList();
    }

    /// <summary>Kubernetes drops null fields on apply (e.g. creationTimestamp: null from generators).</summary>
    private static void RemoveNulls(JToken token)
    {
        if (token is JObject obj)
        {
            foreach (var p in obj.Properties().Where(p => p.Value.Type == JTokenType.Null).ToList()) p.Remove();
            foreach (var p in obj.Properties()) RemoveNulls(p.Value);
        }
        else if (token is JArray array)
            foreach (var item in array) RemoveNulls(item);
    }

    /// <summary>oneOf/anyOf failures carry the real causes in child errors; report those.</summary>
    private static IEnumerable<ValidationError> Flatten(IEnumerable<ValidationError> errors)
    {
        foreach (var e in errors)
        {
            if (e is ChildSchemaValidationError child && child.Errors.Count > 0 && e.Kind is not (ValidationErrorKind.NotOneOf or ValidationErrorKind.NotAnyOf))
                foreach (var inner in Flatten(child.Errors.SelectMany(c => c.Value))) yield return inner;
            else yield return e;
        }
    }

    private static string PathOf(ValidationError e)
    {
        var path = (e.Path ?? "").TrimStart('#').TrimStart('/');
        return path.Replace("/", ".", StringComparison.Ordinal);
    }

    private static string Describe(ValidationError e) => e.Kind switch
    {
        ValidationErrorKind.NoAdditionalPropertiesAllowed => $"unknown field '{e.Property}'",
        ValidationErrorKind.PropertyRequired => $"missing required field '{e.Property}'",
        ValidationErrorKind.StringExpected => "wrong type: expected a string",
        ValidationErrorKind.IntegerExpected => "wrong type: expected an integer",
        ValidationErrorKind.NumberExpected => "wrong type: expected a number",
        ValidationErrorKind.BooleanExpected => "wrong type: expected a boolean",
        ValidationErrorKind.ObjectExpected => "wrong type: expected an object",
        ValidationErrorKind.ArrayExpected => "wrong type: expected an array",
        ValidationErrorKind.NotInEnumeration => "value is not one of the allowed values",
        ValidationErrorKind.NotOneOf or ValidationErrorKind.NotAnyOf => "value matches none of the allowed shapes",
        _ => $"{e.Kind}",
    };
}
