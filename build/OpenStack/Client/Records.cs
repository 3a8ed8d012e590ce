using System.Text.Json.Serialization;

namespace Platform.Build.OpenStack.Client;

// The fields of each API object the suite reads, named as the APIs name them. Unknown fields are ignored.

public sealed record NetworkRecord
{
    [JsonPropertyName("id")] public string Id { get; init; } = "";
    [JsonPropertyName("name")] public string Name { get; init; } = "";
    [JsonPropertyName("status")] public string? Status { get; init; }
    [JsonPropertyName("router:external")] public bool External { get; init; }
    [JsonPropertyName("shared")] public bool Shared { get; init; }
    [JsonPropertyName("project_id")] public string? ProjectId { get; init; }
    [JsonPropertyName("subnets")] public IReadOnlyList<string> SubnetIds { get; init; } = [];
    [JsonPropertyName("tags")] public IReadOnlyList<string> Tags { get; init; } = [];
    [JsonPropertyName("description")] public string? Description { get; init; }
}

public sealed record AllocationPool([property: JsonPropertyName("start")] string Start, [property: JsonPropertyName("end")] string End);

public sealed record SubnetRecord
{
    [JsonPropertyName("id")] public string Id { get; init; } = "";
    [JsonPropertyName("name")] public string Name { get; init; } = "";
    [JsonPropertyName("network_id")] public string NetworkId { get; init; } = "";
    [JsonPropertyName("cidr")] public string Cidr { get; init; } = "";
    [JsonPropertyName("ip_version")] public int IpVersion { get; init; }
    [JsonPropertyName("allocation_pools")] public IReadOnlyList<AllocationPool> AllocationPools { get; init; } = [];
    [JsonPropertyName("tags")] public IReadOnlyList<string> Tags { get; init; } = [];
}

public sealed record GatewayInfo([property: JsonPropertyName("network_id")] string? NetworkId);

public sealed record RouterRecord
{
    [JsonPropertyName("id")] public string Id { get; init; } = "";
    [JsonPropertyName("name")] public string Name { get; init; } = "";
    [JsonPropertyName("external_gateway_info")] public GatewayInfo? Gateway { get; init; }
    [JsonPropertyName("tags")] public IReadOnlyList<string> Tags { get; init; } = [];
    [JsonPropertyName("description")] public string? Description { get; init; }
}

public sealed record FixedIp([property: JsonPropertyName("subnet_id")] string? SubnetId, [property: JsonPropertyName("ip_address")] string? IpAddress);

public sealed record PortRecord
{
    [JsonPropertyName("id")] public string Id { get; init; } = "";
    [JsonPropertyName("name")] public string Name { get; init; } = "";
    [JsonPropertyName("network_id")] public string NetworkId { get; init; } = "";
    [JsonPropertyName("device_id")] public string DeviceId { get; init; } = "";
    [JsonPropertyName("device_owner")] public string DeviceOwner { get; init; } = "";
    /// <summary>Null when the port-security extension is not enabled (then security groups still apply).</summary>
    [JsonPropertyName("port_security_enabled")] public bool? PortSecurityEnabled { get; init; }
    [JsonPropertyName("security_groups")] public IReadOnlyList<string> SecurityGroupIds { get; init; } = [];
    [JsonPropertyName("fixed_ips")] public IReadOnlyList<FixedIp> FixedIps { get; init; } = [];
    [JsonPropertyName("tags")] public IReadOnlyList<string> Tags { get; init; } = [];
    [JsonPropertyName("description")] public string? Description { get; init; }
}

public sealed record FloatingIpRecord
{
    [JsonPropertyName("id")] public string Id { get; init; } = "";
    [JsonPropertyName("floating_ip_address")] public string Address { get; init; } = "";
    [JsonPropertyName("floating_network_id")] public string NetworkId { get; init; } = "";
    [JsonPropertyName("port_id")] public string? PortId { get; init; }
    [JsonPropertyName("fixed_ip_address")] public string? FixedIp { get; init; }
    [JsonPropertyName("project_id")] public string? ProjectId { get; init; }
    [JsonPropertyName("description")] public string? Description { get; init; }
    [JsonPropertyName("tags")] public IReadOnlyList<string> Tags { get; init; } = [];
}

public sealed record SecurityGroupRuleRecord
{
    [JsonPropertyName("id")] public string Id { get; init; } = "";
    [JsonPropertyName("security_group_id")] public string SecurityGroupId { get; init; } = "";
    [JsonPropertyName("direction")] public string Direction { get; init; } = "";
    [JsonPropertyName("ethertype")] public string EtherType { get; init; } = "";
    [JsonPropertyName("protocol")] public string? Protocol { get; init; }
    [JsonPropertyName("port_range_min")] public int? PortMin { get; init; }
    [JsonPropertyName("port_range_max")] public int? PortMax { get; init; }
    [JsonPropertyName("remote_ip_prefix")] public string? RemoteCidr { get; init; }
    [JsonPropertyName("remote_group_id")] public string? RemoteGroupId { get; init; }
    [JsonPropertyName("description")] public string? Description { get; init; }
}

public sealed record SecurityGroupRecord
{
    [JsonPropertyName("id")] public string Id { get; init; } = "";
    [JsonPropertyName("name")] public string Name { get; init; } = "";
    [JsonPropertyName("description")] public string? Description { get; init; }
    [JsonPropertyName("security_group_rules")] public IReadOnlyList<SecurityGroupRuleRecord> Rules { get; init; } = [];
    [JsonPropertyName("tags")] public IReadOnlyList<string> Tags { get; init; } = [];
}

public sealed record QuotaUsage(
    [property: JsonPropertyName("limit")] long Limit,
    [property: JsonPropertyName("used")] long Used,
    [property: JsonPropertyName("reserved")] long Reserved)
{
    public bool Unlimited => Limit < 0;
    public long Free => Unlimited ? long.MaxValue : Limit - Used - Reserved;
}

public sealed record IpAvailability
{
    [JsonPropertyName("network_id")] public string NetworkId { get; init; } = "";
    [JsonPropertyName("total_ips")] public double TotalIps { get; init; }
    [JsonPropertyName("used_ips")] public double UsedIps { get; init; }
}

public sealed record ServerRecord
{
    [JsonPropertyName("id")] public string Id { get; init; } = "";
    [JsonPropertyName("name")] public string Name { get; init; } = "";
    [JsonPropertyName("status")] public string Status { get; init; } = "";
    [JsonPropertyName("metadata")] public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
    [JsonPropertyName("tags")] public IReadOnlyList<string> Tags { get; init; } = [];
}

public sealed record FlavorRecord
{
    [JsonPropertyName("id")] public string Id { get; init; } = "";
    [JsonPropertyName("name")] public string Name { get; init; } = "";
    [JsonPropertyName("vcpus")] public int Vcpus { get; init; }
    [JsonPropertyName("ram")] public int RamMb { get; init; }
    [JsonPropertyName("disk")] public int DiskGb { get; init; }
}

public sealed record KeypairRecord
{
    [JsonPropertyName("name")] public string Name { get; init; } = "";
    [JsonPropertyName("fingerprint")] public string? Fingerprint { get; init; }
    [JsonPropertyName("type")] public string? Type { get; init; }
}

public sealed record VolumeAttachment([property: JsonPropertyName("server_id")] string? ServerId);

public sealed record VolumeRecord
{
    [JsonPropertyName("id")] public string Id { get; init; } = "";
    [JsonPropertyName("name")] public string? Name { get; init; }
    [JsonPropertyName("status")] public string Status { get; init; } = "";
    [JsonPropertyName("size")] public int SizeGb { get; init; }
    [JsonPropertyName("metadata")] public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
    [JsonPropertyName("attachments")] public IReadOnlyList<VolumeAttachment> Attachments { get; init; } = [];
}

public sealed record ImageRecord
{
    [JsonPropertyName("id")] public string Id { get; init; } = "";
    [JsonPropertyName("name")] public string? Name { get; init; }
    [JsonPropertyName("status")] public string Status { get; init; } = "";
    [JsonPropertyName("min_disk")] public int MinDiskGb { get; init; }
    [JsonPropertyName("min_ram")] public int MinRamMb { get; init; }
    [JsonPropertyName("size")] public long? SizeBytes { get; init; }
    [JsonPropertyName("visibility")] public string? Visibility { get; init; }
}

public sealed record ApplicationCredentialRecord
{
    [JsonPropertyName("id")] public string Id { get; init; } = "";
    [JsonPropertyName("name")] public string Name { get; init; } = "";
    [JsonPropertyName("project_id")] public string? ProjectId { get; init; }
    [JsonPropertyName("expires_at")] public string? ExpiresAt { get; init; }
}

/// <summary>A service's API version document: its id (v2.1, v2.0, v2.15, v3.0) and, for microversioned APIs, the range.</summary>
public sealed record ApiVersion(string Id, string Status, string? MaxMicroversion, string? MinMicroversion);
