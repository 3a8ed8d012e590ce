namespace Platform.Build.Inventory;

/// <summary>
/// One intended Neutron security-group rule. Protocol is the Neutron value: "tcp", "udp", "icmp", a number as text
/// (e.g. "4" for IP-in-IP), or null for any. Exactly one of RemoteCidr / RemoteGroup is set (or neither: any source).
/// </summary>
public sealed record SecurityRule(
    string Group,
    string Direction,
    string EtherType,
    string? Protocol,
    int? PortMin,
    int? PortMax,
    string? RemoteCidr,
    string? RemoteGroup,
    string Description);

/// <summary>
/// The intended security and address state, as computed by the provider-free Terraform logic modules. Terraform
/// provisions from it; Audit compares the live cloud with it.
/// </summary>
public sealed record SecurityIntent(
    string Platform,
    IReadOnlyList<string> Groups,
    IReadOnlyList<SecurityRule> Rules,
    NetworkPlan Network);
