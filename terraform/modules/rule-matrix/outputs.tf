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

  # Guards on extra_rules. They are preconditions here, not validations of the variable, because they need the facts
  # computed in main.tf from the variable itself (a validation may not depend on its own variable through locals).
  precondition {
    condition     = !anytrue([for r in local.extra_refused : r.world_source])
    error_message = "extra_rules ${join(", ", [for i, r in var.extra_rules : r.key if local.extra_refused[i].world_source])}: a source of 0.0.0.0/0, ::/0 or a range broader than /8 (IPv4) or /32 (IPv6) is the internet; only the ingress group may allow it, and only on port 80 or 443 (tcp or udp). Use your own ranges as remote_cidr."
  }

  precondition {
    condition     = !anytrue([for r in local.extra_refused : r.guarded_source])
    error_message = "extra_rules ${join(", ", [for i, r in var.extra_rules : r.key if local.extra_refused[i].guarded_source])}: SSH 22 may only be opened to a range inside admin_cidrs, the API 6443 inside admin_cidrs or node_cidr, kubelet 10250 and etcd 2379-2380 inside node_cidr. Narrow remote_cidr or the port range (or use remote_group_role for node traffic)."
  }

  precondition {
    condition     = !anytrue([for r in local.extra_refused : r.node_cidr_port])
    error_message = "extra_rules ${join(", ", [for i, r in var.extra_rules : r.key if local.extra_refused[i].node_cidr_port])}: a remote_cidr overlapping node_cidr is node-to-node traffic, allowed only on the cluster's ports (${local.node_ports_text})."
  }

  precondition {
    condition     = !anytrue([for r in local.extra_refused : r.node_group_port])
    error_message = "extra_rules ${join(", ", [for i, r in var.extra_rules : r.key if local.extra_refused[i].node_group_port])}: node-to-node rules (remote_group_role) may only use the cluster's ports (${local.node_ports_text})."
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
