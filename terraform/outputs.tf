output "inventory" {
  description = "What the suite needs next (build/Inventory/Inventory.cs ClusterInventory): nodes, public IP, SSH entry, API endpoints, address plan, pinned host public keys. No secret."
  value = {
    platform           = var.platform_name
    publicIp           = local.floating_ip_address
    floatingIpMode     = var.floating_ip_mode
    sshEntry           = { host = local.floating_ip_address, port = 22, user = var.admin_user }
    apiPrivateEndpoint = module.address_plan.api_private_endpoint
    apiPublicEndpoint  = "${local.floating_ip_address}:6443"
    network            = module.address_plan.network
    nodes = [
      for name, node in module.address_plan.nodes : {
        name           = name
        role           = node.role
        privateIp      = node.private_ip # the port's fixed IP, set from the address plan
        hostPublicKeys = [var.host_public_keys[name]]
      }
    ]
  }
}

output "csi_cloud_conf" {
  description = "cloud.conf for the Cinder CSI Secret (application credential). Sensitive."
  value       = local.csi_cloud_conf
  sensitive   = true
}
