# The address plan, computed without any provider so `terraform test` proves it offline. The suite's settings apply
# the same overlap rule (build/Settings/Catalog.Network.cs); the validations in variables.tf are the second line.
locals {
  # Fixed addresses keep the inventory stable across re-plans: nodes from host .10, DHCP only from host .100.
  node_names = concat(
    [for i in range(var.control_plane_count) : "${var.platform_name}-cp-${i + 1}"],
    [for i in range(var.worker_count) : "${var.platform_name}-worker-${i + 1}"],
  )
  nodes = {
    for i, name in local.node_names : name => {
      name       = name
      role       = i < var.control_plane_count ? "control-plane" : "worker"
      index      = i < var.control_plane_count ? i : i - var.control_plane_count
      private_ip = cidrhost(var.node_cidr, 10 + i)
    }
  }
  control_plane_name = local.node_names[0]
}
