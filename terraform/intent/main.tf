# Provider-free root: the security intent (rule matrix + address plan) for given settings, as one JSON output. The
# suite applies it into a throwaway local state (build/Terraform/TerraformIntent.cs) so the Audit target compares the
# live cloud with exactly what the provider-bound root module (terraform/) provisions from the same modules.
terraform {
  required_version = ">= 1.11.0"
}

variable "platform_name" {
  description = "Short platform name (settings platform.name)."
  type        = string
}

variable "admin_cidrs" {
  description = "Admin source ranges (settings openstack.adminCidrs)."
  type        = list(string)
}

variable "node_cidr" {
  description = "Node subnet (settings network.nodeCidr)."
  type        = string
}

variable "pod_cidr" {
  description = "Pod network (settings network.podCidr)."
  type        = string
}

variable "service_cidr" {
  description = "Service network (settings network.serviceCidr)."
  type        = string
}

variable "worker_count" {
  description = "Number of workers (settings openstack.workerCount)."
  type        = number
  default     = 2
}

variable "calico_encapsulation" {
  description = "Calico overlay: vxlan or ipip (settings network.calicoEncapsulation)."
  type        = string
  default     = "vxlan"
}

module "rule_matrix" {
  source = "../modules/rule-matrix"

  platform_name        = var.platform_name
  admin_cidrs          = var.admin_cidrs
  node_cidr            = var.node_cidr
  calico_encapsulation = var.calico_encapsulation
}

module "address_plan" {
  source = "../modules/address-plan"

  platform_name = var.platform_name
  node_cidr     = var.node_cidr
  pod_cidr      = var.pod_cidr
  service_cidr  = var.service_cidr
  worker_count  = var.worker_count
}

output "intent" {
  description = "{ platform, groups, rules[], network, nodes[] } in the suite's SecurityIntent shape (camelCase)."
  value = {
    platform = var.platform_name
    groups   = sort(values(module.rule_matrix.groups))
    rules = [
      for key in sort(keys(module.rule_matrix.rules)) : {
        key         = key
        group       = module.rule_matrix.rules[key].group
        direction   = module.rule_matrix.rules[key].direction
        etherType   = module.rule_matrix.rules[key].ethertype
        protocol    = module.rule_matrix.rules[key].protocol
        portMin     = module.rule_matrix.rules[key].port_min
        portMax     = module.rule_matrix.rules[key].port_max
        remoteCidr  = module.rule_matrix.rules[key].remote_cidr
        remoteGroup = module.rule_matrix.rules[key].remote_group
        description = module.rule_matrix.rules[key].description
      }
    ]
    network = module.address_plan.network
    nodes   = [for n in values(module.address_plan.nodes) : { name = n.name, role = n.role, privateIp = n.private_ip }]
  }
}
