namespace Platform.Build.Settings;

public static partial class SettingsCatalog
{
    private static readonly SettingDefinition[] Terraform =
    [
        new("terraform.backend", SettingKind.Choice, "Terraform state backend: 'local' (default) or a remote one configured by terraform.backendConfig.")
        { Default = "local", Choices = ["local", "s3", "http", "pg"] },
        new("terraform.backendConfig", SettingKind.List, "key=value pairs passed as -backend-config to terraform init (non-secret parts only)."),
    ];
}
