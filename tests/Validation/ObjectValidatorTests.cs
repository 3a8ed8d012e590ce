using Platform.Build.Tests.Support;
using Platform.Build.Validation;

namespace Platform.Build.Tests.Validation;

/// <summary>The strict schema validator on fixtures: each class of bad object is named with file, object and path.</summary>
public class ObjectValidatorTests
{
    private static SchemaStore Store => Support.Schemas.Store;

    private static async Task<IReadOnlyList<Finding>> ValidateFixture(string name)
    {
        var validator = new ObjectValidator(Store);
        var findings = new List<Finding>();
        foreach (var obj in YamlManifests.ParseFile(Repo.Fixture("Validation", name)))
            findings.AddRange(await validator.ValidateAsync(obj));
        return findings;
    }

    [OneTimeSetUp]
    public void SchemasExist() =>
        Assert.That(Directory.Exists(Path.Combine(Repo.SchemaDir, "kubernetes", "1.35")), $"schema folder missing: {Repo.SchemaDir}");

    [Test]
    public async Task A_valid_multi_document_file_has_no_findings()
    {
        var objects = YamlManifests.ParseFile(Repo.Fixture("Validation", "good.yaml"));
        Assert.That(objects.Select(o => o.Id), Is.EqualTo(new[] { "Deployment/demo/web", "Service/demo/web" }));
        Assert.That(await ValidateFixture("good.yaml"), Is.Empty);
    }

    [Test]
    public async Task An_unknown_field_is_named_with_file_object_and_path()
    {
        var finding = (await ValidateFixture("unknown-field.yaml")).Single();
        Assert.That(finding.Source, Does.EndWith("unknown-field.yaml"));
        Assert.That(finding.Object, Is.EqualTo("ConfigMap/demo/settings"));
        Assert.That(finding.Path, Is.EqualTo("colour"));
        Assert.That(finding.Message, Is.EqualTo("unknown field 'colour'"));
        Assert.That(finding.Severity, Is.EqualTo(Severity.Error));
    }

    [Test]
    public async Task A_wrong_type_is_named_with_its_path()
    {
        var finding = (await ValidateFixture("wrong-type.yaml")).Single();
        Assert.That(finding.Object, Is.EqualTo("Deployment/demo/web"));
        Assert.That(finding.Path, Is.EqualTo("spec.replicas"));
        Assert.That(finding.Message, Does.Contain("expected an integer"));
    }

    [Test]
    public async Task A_missing_required_field_is_named_with_its_path()
    {
        var finding = (await ValidateFixture("missing-required.yaml")).Single();
        Assert.That(finding.Path, Is.EqualTo("spec.template.spec.containers[0].name"));
        Assert.That(finding.Message, Is.EqualTo("missing required field 'name'"));
    }

    [Test]
    public async Task An_unknown_kind_is_an_error()
    {
        var finding = (await ValidateFixture("unknown-kind.yaml")).Single();
        Assert.That(finding.Object, Is.EqualTo("Widget/w"));
        Assert.That(finding.Message, Does.StartWith("unknown kind 'Widget' in apiVersion 'example.org/v1'"));
    }

    [Test]
    public async Task A_custom_resource_is_validated_against_its_CRD_schema()
    {
        Assert.That(await ValidateFixture("crd-good.yaml"), Is.Empty);
        var finding = (await ValidateFixture("crd-bad.yaml")).Single();
        Assert.That(finding.Object, Is.EqualTo("AppProject/argocd/env-dev"));
        Assert.That(finding.Path, Is.EqualTo("spec.sourceRepo"));
        Assert.That(finding.Message, Is.EqualTo("unknown field 'sourceRepo'"));
    }

    [Test]
    public void An_empty_file_has_no_objects() =>
        Assert.That(YamlManifests.ParseFile(Repo.Fixture("Validation", "empty.yaml")), Is.Empty);

    [Test]
    public void Malformed_YAML_names_the_file_and_line()
    {
        var e = Assert.Throws<ManifestParseException>(() => YamlManifests.ParseFile(Repo.Fixture("Validation", "malformed.yaml")));
        Assert.That(e!.File, Does.EndWith("malformed.yaml"));
        Assert.That(e.LineNumber, Is.GreaterThanOrEqualTo(5));
    }

    [Test]
    public void Plain_scalars_get_YAML_core_types_and_quoted_ones_stay_strings()
    {
        var obj = YamlManifests.Parse("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  a: \"1\"\n  b: 1\n  c: true\n  d: '3.5'\n  e: 3.5\n", "inline").Single();
        Assert.That(obj.Body["data"]!["a"]!.Type, Is.EqualTo(Newtonsoft.Json.Linq.JTokenType.String));
        Assert.That(obj.Body["data"]!["b"]!.Type, Is.EqualTo(Newtonsoft.Json.Linq.JTokenType.Integer));
        Assert.That(obj.Body["data"]!["c"]!.Type, Is.EqualTo(Newtonsoft.Json.Linq.JTokenType.Boolean));
        Assert.That(obj.Body["data"]!["d"]!.Type, Is.EqualTo(Newtonsoft.Json.Linq.JTokenType.String));
        Assert.That(obj.Body["data"]!["e"]!.Type, Is.EqualTo(Newtonsoft.Json.Linq.JTokenType.Float));
    }

    [Test]
    public async Task ConfigMap_data_with_a_number_is_a_wrong_type()
    {
        var obj = YamlManifests.Parse("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  b: 1\n", "inline").Single();
        var finding = (await new ObjectValidator(Store).ValidateAsync(obj)).Single();
        Assert.That(finding.Path, Is.EqualTo("data.b"));
        Assert.That(finding.Message, Does.Contain("expected a string"));
    }
}
