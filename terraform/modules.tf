# The provider-free part of the root: the modules that make every decision. Nothing here needs the OpenStack provider,
# so tests/Terraform/RootVariablesTests plans this file with variables.tf offline (the host-key checks in variables.tf
# read module.address_plan, and a missing key must be refused there, before cloud-init indexes the maps).
module "rule_matrix" {
  source = "./modules/rule-matrix"

  platform_name        = var.platform_name
  admin_cidrs          = var.admin_cidrs
  node_cidr            = var.node_cidr
  calico_encapsulation = var.calico_encapsulation
}

module "address_plan" {
  source = "./modules/address-plan"

  platform_name       = var.platform_name
  node_cidr           = var.node_cidr
  pod_cidr            = var.pod_cidr
  service_cidr        = var.service_cidr
  control_plane_count = var.control_plane_count
  worker_count        = var.worker_count
  dns_nameservers     = var.dns_nameservers
}

module "cloud_init" {
  source   = "./modules/cloud-init"
  for_each = module.address_plan.nodes

  hostname         = each.key
  role             = each.value.role
  admin_public_key = var.admin_public_key
  host_key = {
    private_key = var.host_private_keys[each.key]
    public_key  = var.host_public_keys[each.key]
  }
  kubernetes_version             = var.kubernetes_version
  kubernetes_package_revision    = var.kubernetes_package_revision
  kubernetes_apt_key_fingerprint = var.kubernetes_apt_key_fingerprint
  containerd_version             = var.containerd_version
}
