output "network" {
  description = "The address plan in the suite's inventory shape: { nodeCidr, podCidr, serviceCidr }."
  value = {
    nodeCidr    = var.node_cidr
    podCidr     = var.pod_cidr
    serviceCidr = var.service_cidr
  }
}

output "subnet" {
  description = "Node subnet details for Neutron: cidr, gateway, DHCP allocation pool, DNS resolvers."
  value = {
    cidr            = var.node_cidr
    gateway_ip      = cidrhost(var.node_cidr, 1)
    pool_start      = cidrhost(var.node_cidr, 100)
    pool_end        = cidrhost(var.node_cidr, -2)
    dns_nameservers = var.dns_nameservers
  }
}

output "nodes" {
  description = "Node name => { name, role ('control-plane' | 'worker'), index within the role, fixed private_ip }."
  value       = local.nodes
}

output "control_plane_name" {
  description = "Name of the (single) control-plane node: SSH entry, API endpoint."
  value       = local.control_plane_name
}

output "api_private_endpoint" {
  description = "host:port of the Kubernetes API on the private network."
  value       = "${local.nodes[local.control_plane_name].private_ip}:6443"
}
