variable "platform_name" {
  description = "Short platform name; nodes are named <platform_name>-cp-<n> and <platform_name>-worker-<n>."
  type        = string

  validation {
    condition     = can(regex("^[a-z]([-a-z0-9]{0,18}[a-z0-9])?$", var.platform_name))
    error_message = "platform_name must be a DNS label of at most 20 characters, e.g. \"seed\"."
  }
}

variable "node_cidr" {
  description = "Private IPv4 subnet of the nodes, /16 to /24 (fixed node addresses from .10, DHCP pool from .100)."
  type        = string

  validation {
    condition     = can(cidrnetmask(var.node_cidr)) && try(cidrsubnet(var.node_cidr, 0, 0) == var.node_cidr, false)
    error_message = "node_cidr must be an IPv4 CIDR written as its network address, e.g. 10.20.0.0/24."
  }

  validation {
    condition     = try(tonumber(split("/", var.node_cidr)[1]) >= 16 && tonumber(split("/", var.node_cidr)[1]) <= 24, false)
    error_message = "node_cidr must have a prefix between /16 and /24, e.g. 10.20.0.0/24."
  }
}

variable "pod_cidr" {
  description = "Pod network (Calico IP pool, kubeadm podSubnet)."
  type        = string

  validation {
    condition     = can(cidrnetmask(var.pod_cidr)) && try(cidrsubnet(var.pod_cidr, 0, 0) == var.pod_cidr, false)
    error_message = "pod_cidr must be an IPv4 CIDR written as its network address, e.g. 10.244.0.0/16."
  }

  validation {
    # Two IPv4 ranges overlap exactly when both fall in the same network at the shorter prefix.
    condition     = !try(cidrsubnet("${split("/", var.pod_cidr)[0]}/${min(tonumber(split("/", var.pod_cidr)[1]), tonumber(split("/", var.node_cidr)[1]))}", 0, 0) == cidrsubnet("${split("/", var.node_cidr)[0]}/${min(tonumber(split("/", var.pod_cidr)[1]), tonumber(split("/", var.node_cidr)[1]))}", 0, 0), false)
    error_message = "pod_cidr overlaps node_cidr: choose non-overlapping ranges, e.g. nodes 10.20.0.0/24, pods 10.244.0.0/16."
  }
}

variable "service_cidr" {
  description = "Service network (kubeadm serviceSubnet)."
  type        = string

  validation {
    condition     = can(cidrnetmask(var.service_cidr)) && try(cidrsubnet(var.service_cidr, 0, 0) == var.service_cidr, false)
    error_message = "service_cidr must be an IPv4 CIDR written as its network address, e.g. 10.96.0.0/16."
  }

  validation {
    condition     = !try(cidrsubnet("${split("/", var.service_cidr)[0]}/${min(tonumber(split("/", var.service_cidr)[1]), tonumber(split("/", var.node_cidr)[1]))}", 0, 0) == cidrsubnet("${split("/", var.node_cidr)[0]}/${min(tonumber(split("/", var.service_cidr)[1]), tonumber(split("/", var.node_cidr)[1]))}", 0, 0), false) && !try(cidrsubnet("${split("/", var.service_cidr)[0]}/${min(tonumber(split("/", var.service_cidr)[1]), tonumber(split("/", var.pod_cidr)[1]))}", 0, 0) == cidrsubnet("${split("/", var.pod_cidr)[0]}/${min(tonumber(split("/", var.service_cidr)[1]), tonumber(split("/", var.pod_cidr)[1]))}", 0, 0), false)
    error_message = "service_cidr overlaps node_cidr or pod_cidr: choose non-overlapping ranges, e.g. services 10.96.0.0/16."
  }
}

variable "control_plane_count" {
  description = "Number of control-plane nodes (1: kubeadm stacked etcd without HA in this design)."
  type        = number
  default     = 1

  validation {
    condition     = var.control_plane_count == 1
    error_message = "control_plane_count must be 1 (the single-IP design has one control plane)."
  }
}

variable "worker_count" {
  description = "Number of worker nodes, 1 to 20."
  type        = number
  default     = 2

  validation {
    condition     = var.worker_count >= 1 && var.worker_count <= 20 && floor(var.worker_count) == var.worker_count
    error_message = "worker_count must be a whole number from 1 to 20."
  }
}

variable "dns_nameservers" {
  description = "DNS resolvers handed out on the node subnet."
  type        = list(string)
  default     = ["1.1.1.1", "9.9.9.9"]

  validation {
    condition     = length(var.dns_nameservers) > 0 && alltrue([for ip in var.dns_nameservers : can(cidrhost("${ip}/32", 0))])
    error_message = "dns_nameservers must list IPv4 resolver addresses, e.g. [\"1.1.1.1\", \"9.9.9.9\"]."
  }
}
