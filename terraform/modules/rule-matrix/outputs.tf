output "groups" {
  description = "Security groups by role: { admin, ingress, node, control_plane } => Neutron group name."
  value       = local.groups
}

output "group_descriptions" {
  description = "Neutron group name => description."
  value       = { for role, name in local.groups : name => local.group_descriptions[role] }
}

output "rules" {
  description = "Every intended rule, keyed by a stable id: { group, direction, ethertype, protocol, port_min, port_max, remote_cidr, remote_group, description }."
  value       = local.rules

  precondition {
    condition     = length(local.world_open_admin_ports) == 0
    error_message = "The rule matrix opens SSH (22) or the Kubernetes API (6443) to 0.0.0.0/0 or ::/0: ${join(", ", local.world_open_admin_ports)}."
  }

  precondition {
    condition     = length(local.named_ipip) == 0
    error_message = "An IP-in-IP rule uses Neutron's 'ipip' (protocol 94); Calico needs protocol \"4\": ${join(", ", local.named_ipip)}."
  }
}

output "security_groups_for" {
  description = "Which groups a node gets: by role, and extra for the entry (admin) and the ingress node."
  value = {
    control_plane = [local.groups.node, local.groups.control_plane]
    worker        = [local.groups.node]
    entry         = [local.groups.admin]
    ingress       = [local.groups.ingress]
  }
}
