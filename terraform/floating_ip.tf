# The single public address. Design and trade-offs: README.md, "Single public IP".
data "openstack_networking_floatingip_v2" "given" {
  count   = var.floating_ip_address == "" ? 0 : 1
  address = var.floating_ip_address
}

resource "openstack_networking_floatingip_v2" "entry" {
  count       = var.floating_ip_address == "" ? 1 : 0
  pool        = var.external_network
  description = "${var.platform_name}: the single public IP"
  tags        = local.tags
}

locals {
  floating_ip_id      = var.floating_ip_address == "" ? openstack_networking_floatingip_v2.entry[0].id : data.openstack_networking_floatingip_v2.given[0].id
  floating_ip_address = var.floating_ip_address == "" ? openstack_networking_floatingip_v2.entry[0].address : var.floating_ip_address

  # port-forwarding mode: what each public port forwards to.
  forwards = var.floating_ip_mode != "port-forwarding" ? {} : {
    ssh   = { port = 22, node = local.control_plane_name }
    api   = { port = 6443, node = local.control_plane_name }
    http  = { port = 80, node = local.ingress_node_name }
    https = { port = 443, node = local.ingress_node_name }
  }
}

resource "openstack_networking_floatingip_associate_v2" "control_plane" {
  count = var.floating_ip_mode == "control-plane" ? 1 : 0

  floating_ip = local.floating_ip_address
  port_id     = openstack_networking_port_v2.node[local.control_plane_name].id
  depends_on  = [openstack_networking_router_interface_v2.nodes]
}

resource "openstack_networking_portforwarding_v2" "forward" {
  for_each = local.forwards

  floatingip_id       = local.floating_ip_id
  external_port       = each.value.port
  internal_port       = each.value.port
  internal_port_id    = openstack_networking_port_v2.node[each.value.node].id
  internal_ip_address = module.address_plan.nodes[each.value.node].private_ip
  protocol            = "tcp"
  description         = "${var.platform_name}: ${each.key} to ${each.value.node}"
  depends_on          = [openstack_networking_router_interface_v2.nodes]
}
