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

  validation {
    # Broad ranges add up to the internet (0.0.0.0/1 + 128.0.0.0/1 is all of IPv4): /8 is the IPv4 limit, /32 (a large
    # provider's whole allocation) the IPv6 one. /0 and malformed entries are reported by the validations above.
    condition     = alltrue([for c in var.admin_cidrs : try(tonumber(split("/", c)[1]) == 0 || tonumber(split("/", c)[1]) >= local.min_prefix[can(cidrnetmask(c)) ? "IPv4" : "IPv6"], true)])
    error_message = "admin_cidrs entries broader than /8 (IPv4) or /32 (IPv6): ${join(", ", [for c in var.admin_cidrs : c if !try(tonumber(split("/", c)[1]) == 0 || tonumber(split("/", c)[1]) >= local.min_prefix[can(cidrnetmask(c)) ? "IPv4" : "IPv6"], true)])}. Such ranges (e.g. 0.0.0.0/1 + 128.0.0.0/1) together open SSH and the API to the internet; list your office or VPN ranges, e.g. 203.0.113.0/24."
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
    Additional ingress rules (e.g. a monitoring range). Each: { key, group_role (admin | ingress | node |
    control_plane), protocol (tcp | udp | icmp | an IP protocol number), port_min, port_max, remote_cidr or
    remote_group_role, description }. Guarded (README.md, "Security groups"): only the ingress group may take traffic
    from anywhere (0.0.0.0/0, ::/0 or a range broader than /8 IPv4 or /32 IPv6), and only on 80/443; 22, 6443, 10250
    and 2379-2380 only from their intended sources; node-to-node (a remote group, or a CIDR overlapping node_cidr) only
    on the cluster's ports; no named "ipip"/94.
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
    condition     = alltrue([for r in var.extra_rules : can(regex("^[a-z0-9][-a-z0-9]*$", r.key))]) && length(distinct([for r in var.extra_rules : r.key])) == length(var.extra_rules)
    error_message = "extra_rules: every key must be unique and made of lowercase letters, digits and '-', e.g. \"monitoring\"."
  }

  validation {
    condition     = alltrue([for r in var.extra_rules : contains(["admin", "ingress", "node", "control_plane"], r.group_role)])
    error_message = "extra_rules: group_role must be one of admin, ingress, node, control_plane."
  }

  validation {
    condition     = alltrue([for r in var.extra_rules : !contains(["ipip", "94"], lower(r.protocol))])
    error_message = "extra_rules: Neutron's named protocol \"ipip\" is IP protocol 94, not Calico's IP-in-IP. Use protocol \"4\" (or calico_encapsulation = \"ipip\")."
  }

  validation {
    condition = alltrue([
      for r in var.extra_rules : contains(["tcp", "udp", "icmp"], lower(r.protocol)) || try(tonumber(r.protocol) >= 1 && tonumber(r.protocol) <= 255 && can(regex("^[0-9]+$", r.protocol)), false)
    ])
    error_message = "extra_rules: protocol must be tcp, udp, icmp or an IP protocol number from 1 to 255, e.g. \"4\"."
  }

  validation {
    condition = alltrue([
      for r in var.extra_rules : (r.port_min == null && r.port_max == null) || try(
        contains(["tcp", "udp", "6", "17"], lower(r.protocol)) && floor(r.port_min) == r.port_min && floor(r.port_max) == r.port_max &&
      r.port_min >= 1 && r.port_min <= r.port_max && r.port_max <= 65535, false)
    ])
    error_message = "extra_rules: give port_min and port_max together (whole numbers, 1 <= port_min <= port_max <= 65535), and only for tcp or udp; leave both out for all ports."
  }

  validation {
    condition     = alltrue([for r in var.extra_rules : (r.remote_cidr == null) != (r.remote_group_role == null)])
    error_message = "extra_rules: give exactly one of remote_cidr or remote_group_role."
  }

  validation {
    condition     = alltrue([for r in var.extra_rules : r.remote_cidr == null || try(cidrsubnet(r.remote_cidr, 0, 0) == lower(r.remote_cidr), false)])
    error_message = "extra_rules: remote_cidr must be a CIDR written as its network address, e.g. 198.51.100.0/24."
  }

  validation {
    condition     = alltrue([for r in var.extra_rules : r.remote_group_role == null || contains(["admin", "ingress", "node", "control_plane"], coalesce(r.remote_group_role, "-"))])
    error_message = "extra_rules: remote_group_role must be one of admin, ingress, node, control_plane."
  }
}
