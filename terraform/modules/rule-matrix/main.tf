# The security-group rule matrix, computed without any provider so `terraform test` can prove it offline. The
# provider-bound root module creates one Neutron rule per entry (for_each), and the suite's Audit target compares the
# live cloud with the same matrix (build/Terraform/TerraformIntent.cs).
locals {
  groups = {
    admin         = "${var.platform_name}-admin"
    ingress       = "${var.platform_name}-ingress"
    node          = "${var.platform_name}-node"
    control_plane = "${var.platform_name}-control-plane"
  }

  group_descriptions = {
    admin         = "SSH and Kubernetes API from the admin CIDRs only (the entry node)"
    ingress       = "HTTP and HTTPS from anywhere (the ingress node only)"
    node          = "Every node: node-to-node kubelet, Calico and Typha; egress"
    control_plane = "Control plane: API from nodes, etcd within the control plane"
  }

  ethertype = { for c in var.admin_cidrs : c => (can(cidrnetmask(c)) ? "IPv4" : "IPv6") }

  admin_rules = merge([
    for c in var.admin_cidrs : {
      for p in [{ port = 22, what = "SSH" }, { port = 6443, what = "Kubernetes API" }] :
      "admin-${p.port}-${c}" => {
        group        = local.groups.admin
        direction    = "ingress"
        ethertype    = local.ethertype[c]
        protocol     = "tcp"
        port_min     = p.port
        port_max     = p.port
        remote_cidr  = c
        remote_group = null
        description  = "${p.what} from admin range ${c}"
      }
    }
  ]...)

  ingress_rules = merge([
    for anywhere in [{ cidr = "0.0.0.0/0", ethertype = "IPv4" }, { cidr = "::/0", ethertype = "IPv6" }] : {
      for p in [80, 443] :
      "ingress-${p}-${anywhere.ethertype}" => {
        group        = local.groups.ingress
        direction    = "ingress"
        ethertype    = anywhere.ethertype
        protocol     = "tcp"
        port_min     = p
        port_max     = p
        remote_cidr  = anywhere.cidr
        remote_group = null
        description  = "${p == 80 ? "HTTP" : "HTTPS"} to the ingress node from anywhere"
      }
    }
  ]...)

  # Node-to-node: only what kubeadm + Calico need, always from a group (never a CIDR), so a new VM on the subnet
  # without the group reaches nothing.
  overlay_rule = var.calico_encapsulation == "vxlan" ? {
    "node-vxlan-4789" = {
      group       = local.groups.node, protocol = "udp", port_min = 4789, port_max = 4789, remote = local.groups.node
      description = "Calico VXLAN between nodes"
    }
    } : {
    # Neutron's named protocol "ipip" is 94; Calico IP-in-IP is IP protocol 4.
    "node-ipip-4" = {
      group       = local.groups.node, protocol = "4", port_min = null, port_max = null, remote = local.groups.node
      description = "Calico IP-in-IP (IP protocol 4) between nodes"
    }
    # IP-in-IP routes are learnt over BGP (Calico's bird); VXLAN mode runs without BGP, so 179 stays closed there.
    "node-bgp-179" = {
      group       = local.groups.node, protocol = "tcp", port_min = 179, port_max = 179, remote = local.groups.node
      description = "Calico BGP between nodes (routes of the overlay)"
    }
  }

  nodeport_rule = var.nodeports_between_nodes ? {
    "node-nodeports" = {
      group       = local.groups.node, protocol = "tcp", port_min = 30000, port_max = 32767, remote = local.groups.node
      description = "NodePorts between nodes"
    }
  } : {}

  group_rules = merge({
    "node-kubelet-10250" = {
      group       = local.groups.node, protocol = "tcp", port_min = 10250, port_max = 10250, remote = local.groups.node
      description = "kubelet API between nodes"
    }
    "node-typha-5473" = {
      group       = local.groups.node, protocol = "tcp", port_min = 5473, port_max = 5473, remote = local.groups.node
      description = "Calico Typha between nodes"
    }
    "cp-api-6443" = {
      group       = local.groups.control_plane, protocol = "tcp", port_min = 6443, port_max = 6443, remote = local.groups.node
      description = "Kubernetes API from the nodes"
    }
    "cp-etcd-2379-2380" = {
      group       = local.groups.control_plane, protocol = "tcp", port_min = 2379, port_max = 2380, remote = local.groups.control_plane
      description = "etcd within the control plane"
    }
  }, local.overlay_rule, local.nodeport_rule)

  node_rules = {
    for k, r in local.group_rules : k => {
      group        = r.group
      direction    = "ingress"
      ethertype    = "IPv4"
      protocol     = r.protocol
      port_min     = r.port_min
      port_max     = r.port_max
      remote_cidr  = null
      remote_group = r.remote
      description  = r.description
    }
  }

  # Default egress rules are deleted at group creation (delete_default_rules) and re-added here, so the matrix is the
  # whole truth and Audit sees no rule it does not know.
  egress_rules = {
    for e in [{ cidr = "0.0.0.0/0", ethertype = "IPv4" }, { cidr = "::/0", ethertype = "IPv6" }] :
    "node-egress-${e.ethertype}" => {
      group        = local.groups.node
      direction    = "egress"
      ethertype    = e.ethertype
      protocol     = null
      port_min     = null
      port_max     = null
      remote_cidr  = e.cidr
      remote_group = null
      description  = "Egress to anywhere (packages, images, NTP)"
    }
  }

  extra = {
    for r in var.extra_rules : "extra-${r.key}" => {
      group        = local.groups[r.group_role]
      direction    = "ingress"
      ethertype    = r.remote_cidr == null ? "IPv4" : (can(cidrnetmask(r.remote_cidr)) ? "IPv4" : "IPv6")
      protocol     = lower(r.protocol)
      port_min     = r.port_min
      port_max     = r.port_max
      remote_cidr  = r.remote_cidr
      remote_group = r.remote_group_role == null ? null : local.groups[r.remote_group_role]
      description  = r.description
    }
  }

  rules = merge(local.admin_rules, local.ingress_rules, local.node_rules, local.egress_rules, local.extra)

  # ---- Facts for the guards on extra_rules (variables.tf), one entry per rule in list order.

  # A source broader than this is "the internet" (0.0.0.0/1 + 128.0.0.0/1 is all of IPv4; a /32 is a large provider's
  # whole IPv6 allocation): admin_cidrs refuse it, and an extra rule from it counts as "from anywhere".
  min_prefix = { IPv4 = 8, IPv6 = 32 }

  # Node-to-node traffic the cluster needs: kubelet, API, etcd, Calico VXLAN / Typha / BGP, NodePorts, IP-in-IP.
  node_ports = [
    { protocol = "tcp", min = 10250, max = 10250 }, { protocol = "tcp", min = 6443, max = 6443 },
    { protocol = "tcp", min = 2379, max = 2380 }, { protocol = "udp", min = 4789, max = 4789 },
    { protocol = "tcp", min = 5473, max = 5473 }, { protocol = "tcp", min = 179, max = 179 },
    { protocol = "tcp", min = 30000, max = 32767 }, { protocol = "4", min = null, max = null },
  ]
  # The same list for error messages, so that they cannot drift from it.
  node_ports_text = join(", ", [for p in local.node_ports : p.min == null ? "protocol ${p.protocol}" : "${p.protocol} ${p.min == p.max ? p.min : "${p.min}-${p.max}"}"])

  # Ports reachable only from their intended sources: "admin" = inside an admin CIDR, "node" = inside node_cidr.
  guarded_ports = [
    { port = 22, from = ["admin"] }, { port = 6443, from = ["admin", "node"] }, { port = 10250, from = ["node"] },
    { port = 2379, from = ["node"] }, { port = 2380, from = ["node"] },
  ]

  node_prefix = try(tonumber(split("/", var.node_cidr)[1]), null)

  extra_facts = [
    for r in var.extra_rules : {
      role     = r.group_role
      protocol = lookup({ "6" = "tcp", "17" = "udp" }, lower(r.protocol), lower(r.protocol))
      port_min = r.port_min
      port_max = r.port_max
      cidr     = r.remote_cidr
      valid    = try(cidrsubnet(r.remote_cidr, 0, 0) == lower(r.remote_cidr), false)
      family   = try(can(cidrnetmask(r.remote_cidr)) ? "IPv4" : "IPv6", null)
      address  = try(split("/", r.remote_cidr)[0], null)
      prefix   = try(tonumber(split("/", r.remote_cidr)[1]), null)
    }
  ]

  extra_checks = [
    for f in local.extra_facts : {
      ported = contains(["tcp", "udp"], f.protocol)
      world  = f.valid && try(f.prefix < local.min_prefix[f.family], false)
      # From anywhere is the ingress node's web traffic only (TCP, or UDP for HTTP/3).
      world_ok = f.role == "ingress" && contains(["tcp", "udp"], f.protocol) && f.port_min != null && f.port_min == f.port_max && contains([80, 443], coalesce(f.port_min, 0))
      # Inside one admin CIDR: same family, at least as long a prefix, and the same network at the admin prefix.
      in_admin = f.valid && anytrue([
        for a in var.admin_cidrs : try(
          f.family == (can(cidrnetmask(a)) ? "IPv4" : "IPv6") && f.prefix >= tonumber(split("/", a)[1]) &&
        cidrsubnet("${f.address}/${split("/", a)[1]}", 0, 0) == cidrsubnet(a, 0, 0), false)
      ])
      in_nodes = f.valid && try(
      f.family == "IPv4" && f.prefix >= local.node_prefix && cidrsubnet("${f.address}/${local.node_prefix}", 0, 0) == cidrsubnet(var.node_cidr, 0, 0), false)
      # Two ranges overlap exactly when they are the same network at the shorter of the two prefixes.
      overlaps_nodes = f.valid && try(
      f.family == "IPv4" && cidrsubnet("${f.address}/${min(f.prefix, local.node_prefix)}", 0, 0) == cidrsubnet("${split("/", var.node_cidr)[0]}/${min(f.prefix, local.node_prefix)}", 0, 0), false)
      on_node_ports = anytrue([
        for allowed in local.node_ports : f.protocol == allowed.protocol &&
        try(f.port_min >= allowed.min && f.port_max <= allowed.max, f.port_min == allowed.min && f.port_max == allowed.max)
      ])
      # Guarded ports this rule opens: TCP/UDP with no port range opens every port.
      guarded = [
        for g in local.guarded_ports : g if contains(["tcp", "udp"], f.protocol) && coalesce(f.port_min, 1) <= g.port && coalesce(f.port_max, 65535) >= g.port
      ]
    }
  ]

  # What each guard refuses, per rule (true = refused). A CIDR rule only: group-sourced rules have their own guard.
  extra_refused = [
    for i, f in local.extra_facts : {
      world_source = local.extra_checks[i].world && !local.extra_checks[i].world_ok
      guarded_source = f.cidr != null && anytrue([
        for g in local.extra_checks[i].guarded :
        !((contains(g.from, "admin") && local.extra_checks[i].in_admin) || (contains(g.from, "node") && local.extra_checks[i].in_nodes))
      ])
      node_cidr_port  = f.cidr != null && !local.extra_checks[i].world && local.extra_checks[i].overlaps_nodes && !local.extra_checks[i].on_node_ports
      node_group_port = f.cidr == null && !local.extra_checks[i].on_node_ports
    }
  ]

  # Guard rails checked on the output: these hold for any input, so a future edit that breaks one fails here.
  world_open_admin_ports = [
    for k, r in local.rules : k
    if r.direction == "ingress" && r.remote_cidr != null && try(endswith(r.remote_cidr, "/0"), false) &&
    anytrue([for port in [22, 6443] : coalesce(r.port_min, 0) <= port && coalesce(r.port_max, 65535) >= port])
  ]
  named_ipip = [for k, r in local.rules : k if r.protocol == "ipip" || r.protocol == "94"]
}
