# Thin provider-bound layer: every decision (rules, addresses, cloud-init) is made by the provider-free modules (called
# in modules.tf), which `terraform test` proves offline; this file only turns their outputs into OpenStack resources
# with for_each.

locals {
  tags               = ["platform:${var.platform_name}", "managed-by:terraform"]
  control_plane_name = module.address_plan.control_plane_name
  ingress_node_name  = var.ingress_node == "control-plane" ? local.control_plane_name : "${var.platform_name}-worker-1"

  # Groups per node: role groups, the admin group on the entry node (the control plane in both modes: SSH and the API
  # land there), the ingress group only on the ingress node.
  node_groups = {
    for name, node in module.address_plan.nodes : name => concat(
      node.role == "control-plane" ? module.rule_matrix.security_groups_for.control_plane : module.rule_matrix.security_groups_for.worker,
      name == local.control_plane_name ? module.rule_matrix.security_groups_for.entry : [],
      name == local.ingress_node_name ? module.rule_matrix.security_groups_for.ingress : [],
    )
  }
}

# ---------------------------------------------------------------- network
data "openstack_networking_network_v2" "external" {
  name     = var.external_network
  external = true
}

resource "openstack_networking_network_v2" "nodes" {
  name                  = "${var.platform_name}-nodes"
  admin_state_up        = true
  port_security_enabled = true
  tags                  = local.tags
}

resource "openstack_networking_subnet_v2" "nodes" {
  name            = "${var.platform_name}-nodes"
  network_id      = openstack_networking_network_v2.nodes.id
  ip_version      = 4
  cidr            = module.address_plan.subnet.cidr
  gateway_ip      = module.address_plan.subnet.gateway_ip
  dns_nameservers = module.address_plan.subnet.dns_nameservers
  tags            = local.tags

  allocation_pool {
    start = module.address_plan.subnet.pool_start
    end   = module.address_plan.subnet.pool_end
  }
}

resource "openstack_networking_router_v2" "edge" {
  name                = "${var.platform_name}-router"
  admin_state_up      = true
  external_network_id = data.openstack_networking_network_v2.external.id
  tags                = local.tags
}

resource "openstack_networking_router_interface_v2" "nodes" {
  router_id = openstack_networking_router_v2.edge.id
  subnet_id = openstack_networking_subnet_v2.nodes.id
}

# ---------------------------------------------------------------- security groups (the rule matrix)
resource "openstack_networking_secgroup_v2" "group" {
  for_each = module.rule_matrix.groups

  name                 = each.value
  description          = module.rule_matrix.group_descriptions[each.value]
  delete_default_rules = true
  tags                 = local.tags
}

locals {
  group_id = { for g in openstack_networking_secgroup_v2.group : g.name => g.id }
}

resource "openstack_networking_secgroup_rule_v2" "rule" {
  for_each = module.rule_matrix.rules

  security_group_id = local.group_id[each.value.group]
  direction         = each.value.direction
  ethertype         = each.value.ethertype
  protocol          = each.value.protocol
  port_range_min    = each.value.port_min
  port_range_max    = each.value.port_max
  remote_ip_prefix  = each.value.remote_cidr
  remote_group_id   = each.value.remote_group == null ? null : local.group_id[each.value.remote_group]
  description       = each.value.description
}

# ---------------------------------------------------------------- nodes
resource "openstack_compute_keypair_v2" "admin" {
  name       = "${var.platform_name}-admin"
  public_key = trimspace(var.admin_public_key)
}

resource "openstack_networking_port_v2" "node" {
  for_each = module.address_plan.nodes

  name                  = each.key
  network_id            = openstack_networking_network_v2.nodes.id
  admin_state_up        = true
  port_security_enabled = true
  security_group_ids    = [for g in local.node_groups[each.key] : local.group_id[g]]
  tags                  = local.tags

  fixed_ip {
    subnet_id  = openstack_networking_subnet_v2.nodes.id
    ip_address = each.value.private_ip
  }
}

resource "openstack_compute_instance_v2" "node" {
  for_each = module.address_plan.nodes

  name        = each.key
  image_name  = var.image
  flavor_name = each.value.role == "control-plane" ? var.control_plane_flavor : var.worker_flavor
  key_pair    = openstack_compute_keypair_v2.admin.name
  user_data   = module.cloud_init[each.key].user_data
  tags        = local.tags
  metadata = {
    platform = var.platform_name
    role     = each.value.role
  }

  network {
    port = openstack_networking_port_v2.node[each.key].id
  }
}

resource "openstack_blockstorage_volume_v3" "data" {
  for_each = var.data_volume_size_gb > 0 ? { for name, n in module.address_plan.nodes : name => n if n.role == "worker" } : {}

  name        = "${each.key}-data"
  size        = var.data_volume_size_gb
  description = "Data volume of ${each.key} (${var.platform_name})"
  metadata    = { platform = var.platform_name }
}

resource "openstack_compute_volume_attach_v2" "data" {
  for_each = openstack_blockstorage_volume_v3.data

  instance_id = openstack_compute_instance_v2.node[each.key].id
  volume_id   = each.value.id
}
