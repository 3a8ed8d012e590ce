variable "platform_name" {
  description = "Short platform name; every security group is named <platform_name>-<role>."
  type        = string

  validation {
    condition     = can(regex("^[a-z]([-a-z0-9]{0,18}[a-z0-9])?$", var.platform_name))
    error_message = "platform_name must be a DNS label of at most 20 characters (lowercase letters, digits, '-'), e.g. \"seed\"."
  }
}

variable "admin_cidrs" {
  description = "Source ranges allowed to reach SSH (22) and the Kubernetes API (6443)."
  type        = list(string)

  validation {
    condition     = length(var.admin_cidrs) > 0
    error_message = "admin_cidrs is empty: list your office or VPN ranges, e.g. [\"203.0.113.0/24\"]."
  }

  validation {
    condition     = alltrue([for c in var.admin_cidrs : can(cidrhost(c, 0)) && try(cidrsubnet(c, 0, 0) == lower(c), false)])
    error_message = "Every admin_cidrs entry must be a CIDR written as its network address, e.g. 203.0.113.0/24 (not 203.0.113.7/24)."
  }

  validation {
    condition     = alltrue([for c in var.admin_cidrs : !can(regex("/0$", trimspace(c)))])
    error_message = "admin_cidrs must not contain 0.0.0.0/0 or ::/0: that opens SSH and the Kubernetes API to the whole internet. List your office or VPN ranges instead."
  }
}

variable "node_cidr" {
  description = "The nodes' private subnet (egress rules stay open; ingress between nodes is by group, not by CIDR)."
  type        = string

  validation {
    condition     = can(cidrhost(var.node_cidr, 0))
    error_message = "node_cidr must be a CIDR, e.g. 10.20.0.0/24."
  }
}

variable "calico_encapsulation" {
  description = "Calico overlay between nodes: \"vxlan\" (UDP 4789, the default) or \"ipip\" (IP protocol 4)."
  type        = string
  default     = "vxlan"

  validation {
    condition     = contains(["vxlan", "ipip"], var.calico_encapsulation)
    error_message = "calico_encapsulation must be \"vxlan\" or \"ipip\"."
  }
}

variable "nodeports_between_nodes" {
  description = "Open the NodePort range 30000-32767 between nodes (off: ingress runs on host ports of the ingress node)."
  type        = bool
  default     = false
}

variable "extra_rules" {
  description = <<-EOT
    Additional ingress rules (e.g. BGP between nodes, or a monitoring range). Each: { key, group_role (admin | ingress |
    node | control_plane), protocol (tcp | udp | icmp | an IP protocol number), port_min, port_max, remote_cidr or
    remote_group_role, description }. Guarded: no named "ipip"/94, node-to-node only on the cluster's ports, and SSH/API
    never from 0.0.0.0/0 or ::/0 (checked on the output).
  EOT
  type = list(object({
    key               = string
    group_role        = string
    protocol          = string
    port_min          = optional(number)
    port_max          = optional(number)
    remote_cidr       = optional(string)
    remote_group_role = optional(string)
    description       = string
  }))
  default = []

  validation {
    condition     = alltrue([for r in var.extra_rules : contains(["admin", "ingress", "node", "control_plane"], r.group_role)])
    error_message = "extra_rules: group_role must be one of admin, ingress, node, control_plane."
  }

  validation {
    condition     = alltrue([for r in var.extra_rules : !contains(["ipip", "94"], lower(r.protocol))])
    error_message = "extra_rules: Neutron's named protocol \"ipip\" is IP protocol 94, not Calico's IP-in-IP. Use protocol \"4\" (or calico_encapsulation = \"ipip\")."
  }

  validation {
    condition     = alltrue([for r in var.extra_rules : (r.remote_cidr == null) != (r.remote_group_role == null)])
    error_message = "extra_rules: give exactly one of remote_cidr or remote_group_role."
  }

  validation {
    # Node-to-node traffic only on the ports the cluster needs: kubelet, API, etcd, Calico VXLAN/Typha/BGP, NodePorts.
    condition = alltrue([
      for r in var.extra_rules : r.remote_group_role == null || anytrue([
        for allowed in [
          { protocol = "tcp", min = 10250, max = 10250 }, { protocol = "tcp", min = 6443, max = 6443 },
          { protocol = "tcp", min = 2379, max = 2380 }, { protocol = "udp", min = 4789, max = 4789 },
          { protocol = "tcp", min = 5473, max = 5473 }, { protocol = "tcp", min = 179, max = 179 },
          { protocol = "tcp", min = 30000, max = 32767 }, { protocol = "4", min = null, max = null },
        ] : r.protocol == allowed.protocol && try(r.port_min >= allowed.min && r.port_max <= allowed.max, r.port_min == allowed.min && r.port_max == allowed.max)
      ])
    ])
    error_message = "extra_rules: node-to-node rules may only use the cluster's ports (tcp 10250, 6443, 2379-2380, 5473, 179, 30000-32767; udp 4789; protocol 4)."
  }
}
