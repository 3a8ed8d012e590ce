variable "platform_name" {
  description = "Short platform name; prefixes and tags every resource (groups <name>-admin|ingress|node|control-plane, nodes <name>-cp-1, <name>-worker-<n>)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]([-a-z0-9]{0,18}[a-z0-9])?$", var.platform_name))
    error_message = "platform_name must be a DNS label of at most 20 characters, e.g. \"seed\"."
  }
}

variable "external_network" {
  description = "Name of the external (router:external) network: router gateway and the floating IP come from it."
  type        = string

  validation {
    condition     = length(trimspace(var.external_network)) > 0
    error_message = "external_network is empty: give the name of your cloud's external network (openstack network list --external)."
  }
}

variable "admin_cidrs" {
  description = "Source ranges allowed to reach SSH (22) and the Kubernetes API (6443). Never 0.0.0.0/0 or ::/0, nor broader than /8 (IPv4) or /32 (IPv6)."
  type        = list(string)

  validation {
    condition     = length(var.admin_cidrs) > 0 && alltrue([for c in var.admin_cidrs : !can(regex("/0$", trimspace(c)))])
    error_message = "admin_cidrs must list at least one range and must not contain 0.0.0.0/0 or ::/0 (that opens SSH and the API to the internet)."
  }

  validation {
    condition     = alltrue([for c in var.admin_cidrs : can(cidrhost(c, 0)) && try(cidrsubnet(c, 0, 0) == lower(c), false)])
    error_message = "Every admin_cidrs entry must be a CIDR written as its network address, e.g. 203.0.113.0/24 (not 203.0.113.7/24)."
  }

  validation {
    # Same limits as modules/rule-matrix: broad ranges add up to the internet (0.0.0.0/1 + 128.0.0.0/1 is all of IPv4).
    condition     = alltrue([for c in var.admin_cidrs : try(tonumber(split("/", c)[1]) == 0 || tonumber(split("/", c)[1]) >= (can(cidrnetmask(c)) ? 8 : 32), true)])
    error_message = "admin_cidrs entries broader than /8 (IPv4) or /32 (IPv6): ${join(", ", [for c in var.admin_cidrs : c if !try(tonumber(split("/", c)[1]) == 0 || tonumber(split("/", c)[1]) >= (can(cidrnetmask(c)) ? 8 : 32), true)])}. Such ranges together open SSH and the API to the internet; list your office or VPN ranges, e.g. 203.0.113.0/24."
  }
}

variable "floating_ip_mode" {
  description = "How the single floating IP reaches the nodes: \"control-plane\" (FIP on the control plane; SSH entry, API and ingress there; ProxyJump to workers) or \"port-forwarding\" (Neutron FIP port forwards 22/6443 to the control plane, 80/443 to the ingress node)."
  type        = string
  default     = "control-plane"

  validation {
    condition     = contains(["control-plane", "port-forwarding"], var.floating_ip_mode)
    error_message = "floating_ip_mode must be \"control-plane\" or \"port-forwarding\"."
  }
}

variable "floating_ip_address" {
  description = "A pre-allocated floating IP to use. Empty: allocate one from the external network."
  type        = string
  default     = ""

  validation {
    condition     = var.floating_ip_address == "" || can(cidrhost("${var.floating_ip_address}/32", 0))
    error_message = "floating_ip_address must be an IPv4 address, e.g. 203.0.113.10, or empty."
  }
}

variable "ingress_node" {
  description = "Which node serves HTTP/HTTPS: \"control-plane\" or \"first-worker\" (first-worker needs floating_ip_mode = \"port-forwarding\")."
  type        = string
  default     = "control-plane"

  validation {
    condition     = contains(["control-plane", "first-worker"], var.ingress_node) && (var.ingress_node == "control-plane" || var.floating_ip_mode == "port-forwarding")
    error_message = "ingress_node must be \"control-plane\", or \"first-worker\" together with floating_ip_mode = \"port-forwarding\" (with the FIP on the control plane only that node can receive 80/443)."
  }
}

variable "image" {
  description = "Glance image name of every node (Debian 12 or Ubuntu 24.04 cloud image)."
  type        = string

  validation {
    condition     = length(trimspace(var.image)) > 0 && trimspace(var.image) == var.image
    error_message = "image must be a Glance image name without surrounding spaces, e.g. \"debian-12-genericcloud-amd64\" (openstack image list)."
  }
}

variable "control_plane_flavor" {
  description = "Nova flavor of the control-plane node."
  type        = string

  validation {
    condition     = length(trimspace(var.control_plane_flavor)) > 0 && trimspace(var.control_plane_flavor) == var.control_plane_flavor
    error_message = "control_plane_flavor must be a Nova flavor name without surrounding spaces, e.g. \"m1.medium\" (openstack flavor list)."
  }
}

variable "worker_flavor" {
  description = "Nova flavor of the worker nodes."
  type        = string

  validation {
    condition     = length(trimspace(var.worker_flavor)) > 0 && trimspace(var.worker_flavor) == var.worker_flavor
    error_message = "worker_flavor must be a Nova flavor name without surrounding spaces, e.g. \"m1.large\" (openstack flavor list)."
  }
}

variable "control_plane_count" {
  description = "Number of control-plane nodes (1 in this design)."
  type        = number
  default     = 1

  validation {
    condition     = var.control_plane_count == 1
    error_message = "control_plane_count must be 1: the single-IP design has one control plane (the SSH entry and API endpoint)."
  }
}

variable "worker_count" {
  description = "Number of worker nodes (1-20)."
  type        = number
  default     = 2

  validation {
    condition     = var.worker_count >= 1 && var.worker_count <= 20 && floor(var.worker_count) == var.worker_count
    error_message = "worker_count must be a whole number from 1 to 20."
  }
}

variable "data_volume_size_gb" {
  description = "Size of an extra Cinder data volume per worker in GiB; 0 for none."
  type        = number
  default     = 0

  validation {
    condition     = var.data_volume_size_gb >= 0 && floor(var.data_volume_size_gb) == var.data_volume_size_gb
    error_message = "data_volume_size_gb must be a whole number >= 0."
  }
}

variable "admin_user" {
  description = "The image's default user (SSH user of the inventory)."
  type        = string
  default     = "debian"

  validation {
    # The nodes refuse root logins (PermitRootLogin no), so root would lock the suite out.
    condition     = can(regex("^[a-z_][a-z0-9_-]{0,31}$", var.admin_user)) && var.admin_user != "root"
    error_message = "admin_user must be the image's default login user, a Linux user name such as \"debian\" or \"ubuntu\", and not root (the nodes refuse root logins)."
  }
}

variable "admin_public_key" {
  description = "OpenSSH public key of the admin (keypair and authorized key of every node)."
  type        = string
}

variable "host_public_keys" {
  description = "Node name => pinned SSH host public key (ssh-ed25519 ...), generated by the suite before Plan."
  type        = map(string)

  validation {
    # Checked here, by node name, so a missing key is not an anonymous "Invalid index" in the cloud_init call. The
    # private keys are checked from here too: a failing validation of host_private_keys itself would quote the line of
    # the secret var file. Only node names reach the message (nonsensitive() is applied to names, never to a key).
    condition = alltrue([
      for n in keys(module.address_plan.nodes) : contains(keys(var.host_public_keys), n) && contains(nonsensitive(keys(var.host_private_keys)), n)
    ])
    error_message = "No pinned SSH host key for ${join(", ", [for n in keys(module.address_plan.nodes) : "${n} (${join(" and ", concat(contains(keys(var.host_public_keys), n) ? [] : ["host_public_keys"], contains(nonsensitive(keys(var.host_private_keys)), n) ? [] : ["host_private_keys"]))} missing)" if !contains(keys(var.host_public_keys), n) || !contains(nonsensitive(keys(var.host_private_keys)), n)])}. Run ./build.sh --target=Plan, which generates a key pair per node under artifacts/terraform/host-keys/ and passes the private keys in its 0600 secret var file."
  }

  validation {
    condition     = alltrue([for k in values(var.host_public_keys) : can(regex("^ssh-ed25519 [A-Za-z0-9+/=]+( [^\\n]*)?$", trimspace(k)))])
    error_message = "host_public_keys of ${join(", ", [for n, k in var.host_public_keys : n if !can(regex("^ssh-ed25519 [A-Za-z0-9+/=]+( [^\\n]*)?$", trimspace(k)))])} must be one \"ssh-ed25519 AAAA... comment\" line, as written by ssh-keygen -t ed25519."
  }
}

variable "host_private_keys" {
  description = "Node name => pinned SSH host private key (OpenSSH PEM). Sensitive: passed only via a 0600 var file. Presence is checked with host_public_keys, the format by modules/cloud-init."
  type        = map(string)
  sensitive   = true
}

variable "node_cidr" {
  description = "Private subnet of the nodes (IPv4, /16-/24)."
  type        = string
  default     = "10.20.0.0/24"
}

variable "pod_cidr" {
  description = "Pod network (Calico IP pool); must not overlap the others."
  type        = string
  default     = "10.244.0.0/16"
}

variable "service_cidr" {
  description = "Service network; must not overlap the others."
  type        = string
  default     = "10.96.0.0/16"
}

variable "dns_nameservers" {
  description = "DNS resolvers of the node subnet."
  type        = list(string)
  default     = ["1.1.1.1", "9.9.9.9"]
}

variable "calico_encapsulation" {
  description = "Calico overlay between nodes: \"vxlan\" (UDP 4789) or \"ipip\" (IP protocol 4, with BGP on TCP 179)."
  type        = string
  default     = "vxlan"

  validation {
    condition     = contains(["vxlan", "ipip"], var.calico_encapsulation)
    error_message = "calico_encapsulation must be \"vxlan\" or \"ipip\"."
  }
}

variable "kubernetes_version" {
  description = "Kubernetes patch version installed on the nodes (1.35.x)."
  type        = string
  default     = "1.35.0"
}

variable "kubernetes_package_revision" {
  description = "Debian revision of the pkgs.k8s.io packages (<version>-<revision>)."
  type        = string
  default     = "1.1"
}

variable "kubernetes_apt_key_fingerprint" {
  description = "Pinned fingerprint of the pkgs.k8s.io signing key; empty trusts the key fetched over HTTPS."
  type        = string
  default     = ""
}

variable "containerd_version" {
  description = "apt version of containerd.io."
  type        = string
  default     = "1.7.*"
}

variable "auth_url" {
  description = "Keystone URL written into the Cinder CSI cloud.conf."
  type        = string

  validation {
    # Written between quotes into the CSI cloud.conf: no spaces, quotes or backslashes.
    condition     = can(regex("^https?://[^\\s\"\\\\]+$", var.auth_url))
    error_message = "auth_url must be the Keystone URL, e.g. https://keystone.example.org:5000/v3."
  }
}

variable "region" {
  description = "OpenStack region written into the Cinder CSI cloud.conf (empty: none)."
  type        = string
  default     = ""

  validation {
    condition     = can(regex("^[^\\s\"\\\\]*$", var.region))
    error_message = "region must be a region name without spaces, quotes or backslashes, e.g. \"RegionOne\", or empty (it is written into the CSI cloud.conf)."
  }
}

variable "csi_block_storage_service_type" {
  description = "Service type of the block-storage API in the cloud's catalog, used by the Cinder CSI credential's access rules (openstack catalog list). Most clouds: volumev3."
  type        = string
  default     = "volumev3"

  validation {
    # Keystone matches an access rule by the exact service type Cinder's keystonemiddleware is configured with.
    condition     = can(regex("^[a-z][a-z0-9-]*$", var.csi_block_storage_service_type))
    error_message = "csi_block_storage_service_type must be the block-storage service type exactly as `openstack catalog list` shows it, e.g. \"volumev3\" or \"block-storage\"."
  }
}
