namespace Platform.Build.Settings;

/// <summary>
/// Every setting the suite knows. Each concern keeps its own list in a Catalog.*.cs file, so that adding a setting
/// touches only that concern's file.
/// </summary>
public static partial class SettingsCatalog
{
    public static IReadOnlyList<SettingDefinition> All { get; } =
        [.. Core, .. Network, .. OpenStack, .. OpenStackChecks, .. Terraform, .. Bootstrap, .. GitOps, .. Environments];

    private static readonly Dictionary<string, SettingDefinition> ByKey =
        All.ToDictionary(d => d.Key, StringComparer.OrdinalIgnoreCase);

    private static readonly Dictionary<string, SettingDefinition> ByArgument =
        All.ToDictionary(d => d.ArgumentName, StringComparer.OrdinalIgnoreCase);

    public static SettingDefinition? Find(string key) => ByKey.GetValueOrDefault(key);

    /// <summary>A setting by its command-line name (--openstack-admin-cidrs) or its key (openstack.adminCidrs).</summary>
    public static SettingDefinition? FindArgument(string name) => ByArgument.GetValueOrDefault(name) ?? Find(name);

    /// <summary>Checks that span several settings (e.g. CIDRs that must not overlap). Run after each value parsed.</summary>
    public static IReadOnlyList<Func<PlatformSettings, IEnumerable<SettingError>>> CrossChecks { get; } =
        [.. CoreCrossChecks, .. NetworkCrossChecks];
}
