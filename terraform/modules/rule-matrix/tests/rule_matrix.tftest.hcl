# Offline proof of the rule matrix: run with `terraform test` in terraform/modules/rule-matrix.
variables {
  platform_name = "seed"
  admin_cidrs   = ["203.0.113.0/24", "2001:db8::/48"]
  node_cidr     = "10.20.0.0/24"
}

run "groups_are_named_from_the_platform" {
  command = plan

  assert {
    condition     = output.groups == { admin = "seed-admin", ingress = "seed-ingress", node = "seed-node", control_plane = "seed-control-plane" }
    error_message = "Group names must be <platform>-admin|ingress|node|control-plane."
  }
}

run "ssh_and_api_only_from_admin_cidrs" {
  command = plan

  assert {
    condition = alltrue([
      for r in values(output.rules) : contains(["203.0.113.0/24", "2001:db8::/48"], r.remote_cidr)
      if r.direction == "ingress" && contains([22, 6443], coalesce(r.port_min, 0)) && r.remote_cidr != null
    ])
    error_message = "SSH and the API may only be reachable from the admin CIDRs."
  }

  assert {
    condition     = length([for r in values(output.rules) : r if r.group == "seed-admin"]) == 4
    error_message = "Two admin CIDRs x (22, 6443) must give exactly four admin rules."
  }

  assert {
    condition     = output.rules["admin-22-2001:db8::/48"].ethertype == "IPv6" && output.rules["admin-6443-203.0.113.0/24"].ethertype == "IPv4"
    error_message = "Ethertype must follow the CIDR's family."
  }

  assert {
    condition     = length([for r in values(output.rules) : r if r.remote_cidr != null && try(endswith(r.remote_cidr, "/0"), false) && r.direction == "ingress" && !contains([80, 443], coalesce(r.port_min, 0))]) == 0
    error_message = "Only 80/443 may be open to the world."
  }
}

run "http_https_public_only_on_the_ingress_group" {
  command = plan

  assert {
    condition     = toset([for r in values(output.rules) : r.port_min if r.group == "seed-ingress"]) == toset([80, 443])
    error_message = "The ingress group opens exactly 80 and 443."
  }

  assert {
    condition     = output.security_groups_for.ingress == ["seed-ingress"] && !contains(output.security_groups_for.worker, "seed-ingress")
    error_message = "Only the ingress node gets the ingress group."
  }
}

run "node_to_node_only_on_cluster_ports" {
  command = plan

  assert {
    condition = toset([for r in values(output.rules) : "${r.group}<-${r.remote_group}:${r.protocol}/${r.port_min}-${r.port_max}" if r.remote_group != null]) == toset([
      "seed-node<-seed-node:tcp/10250-10250",
      "seed-node<-seed-node:tcp/5473-5473",
      "seed-node<-seed-node:udp/4789-4789",
      "seed-control-plane<-seed-node:tcp/6443-6443",
      "seed-control-plane<-seed-control-plane:tcp/2379-2380",
    ])
    error_message = "Node-to-node rules must be exactly kubelet, Typha, VXLAN, API and etcd."
  }

  assert {
    condition     = length([for r in values(output.rules) : r if r.direction == "ingress" && r.remote_cidr == "10.20.0.0/24"]) == 0
    error_message = "Node-to-node rules use groups, never the node CIDR."
  }

  assert {
    condition     = length([for r in values(output.rules) : r if r.direction == "ingress" && coalesce(r.port_min, 0) <= 179 && coalesce(r.port_max, 0) >= 179]) == 0
    error_message = "VXLAN runs without BGP: TCP 179 stays closed."
  }
}

run "ipip_uses_protocol_4" {
  command = plan

  variables {
    calico_encapsulation = "ipip"
  }

  assert {
    condition     = output.rules["node-ipip-4"].protocol == "4" && !contains(keys(output.rules), "node-vxlan-4789")
    error_message = "Calico IP-in-IP must be IP protocol 4, and replaces VXLAN."
  }

  assert {
    condition     = output.rules["node-bgp-179"].protocol == "tcp" && output.rules["node-bgp-179"].port_min == 179 && output.rules["node-bgp-179"].port_max == 179 && output.rules["node-bgp-179"].group == "seed-node" && output.rules["node-bgp-179"].remote_group == "seed-node"
    error_message = "IP-in-IP routes come over BGP: TCP 179 node <- node."
  }

  assert {
    condition = toset([for r in values(output.rules) : "${r.group}<-${r.remote_group}:${r.protocol}/${r.port_min == null ? "" : r.port_min}-${r.port_max == null ? "" : r.port_max}" if r.remote_group != null]) == toset([
      "seed-node<-seed-node:tcp/10250-10250",
      "seed-node<-seed-node:tcp/5473-5473",
      "seed-node<-seed-node:4/-",
      "seed-node<-seed-node:tcp/179-179",
      "seed-control-plane<-seed-node:tcp/6443-6443",
      "seed-control-plane<-seed-control-plane:tcp/2379-2380",
    ])
    error_message = "With IP-in-IP, node-to-node rules are exactly kubelet, Typha, IP-in-IP, BGP, API and etcd."
  }
}

run "extra_bgp_rule_between_nodes_is_allowed" {
  command = plan

  variables {
    extra_rules = [{ key = "bgp", group_role = "node", protocol = "tcp", port_min = 179, port_max = 179, remote_group_role = "node", description = "Calico BGP" }]
  }

  assert {
    condition     = output.rules["extra-bgp"].remote_group == "seed-node"
    error_message = "A BGP rule between nodes is a cluster port and must be accepted."
  }
}

run "extra_rules_within_the_guards_are_accepted" {
  command = plan

  variables {
    extra_rules = [
      { key = "monitoring", group_role = "node", protocol = "tcp", port_min = 9100, port_max = 9100, remote_cidr = "198.51.100.0/24", description = "node exporter from the monitoring range" },
      { key = "http3", group_role = "ingress", protocol = "udp", port_min = 443, port_max = 443, remote_cidr = "::/0", description = "HTTP/3" },
      { key = "ssh-vpn", group_role = "admin", protocol = "tcp", port_min = 22, port_max = 22, remote_cidr = "203.0.113.128/25", description = "SSH from part of an admin range" },
      { key = "kubelet-subnet", group_role = "node", protocol = "tcp", port_min = 10250, port_max = 10250, remote_cidr = "10.20.0.0/25", description = "kubelet from part of the node subnet" },
      { key = "api-subnet", group_role = "control_plane", protocol = "tcp", port_min = 6443, port_max = 6443, remote_cidr = "10.20.0.0/24", description = "API from the node subnet" },
      { key = "bgp-subnet", group_role = "node", protocol = "tcp", port_min = 179, port_max = 179, remote_cidr = "10.20.0.0/24", description = "BGP from the node subnet" },
      { key = "ping", group_role = "node", protocol = "icmp", remote_cidr = "198.51.100.0/24", description = "ping from the monitoring range" },
    ]
  }

  assert {
    condition     = length([for k in keys(output.rules) : k if startswith(k, "extra-")]) == 7
    error_message = "Every extra rule inside the guards must be accepted."
  }

  assert {
    condition     = output.rules["extra-http3"].ethertype == "IPv6" && output.rules["extra-http3"].group == "seed-ingress" && output.rules["extra-monitoring"].ethertype == "IPv4"
    error_message = "Extra rules keep their group and the ethertype of their CIDR."
  }
}

run "admin_cidrs_up_to_the_limits_are_accepted" {
  command = plan

  variables {
    admin_cidrs = ["10.0.0.0/8", "2001:db8::/32"]
  }

  assert {
    condition     = length([for r in values(output.rules) : r if r.group == "seed-admin"]) == 4
    error_message = "A /8 (IPv4) and a /32 (IPv6) admin range are accepted."
  }
}

# ---- bad inputs: each rule refuses

run "refuses_admin_cidr_anywhere_ipv4" {
  command = plan
  variables {
    admin_cidrs = ["0.0.0.0/0"]
  }
  expect_failures = [var.admin_cidrs]
}

run "refuses_admin_cidr_anywhere_ipv6" {
  command = plan
  variables {
    admin_cidrs = ["203.0.113.0/24", "::/0"]
  }
  expect_failures = [var.admin_cidrs]
}

run "refuses_admin_cidr_with_host_bits" {
  command = plan
  variables {
    admin_cidrs = ["203.0.113.7/24"]
  }
  expect_failures = [var.admin_cidrs]
}

run "refuses_empty_admin_cidrs" {
  command = plan
  variables {
    admin_cidrs = []
  }
  expect_failures = [var.admin_cidrs]
}

run "refuses_named_ipip_protocol" {
  command = plan
  variables {
    extra_rules = [{ key = "ipip", group_role = "node", protocol = "ipip", remote_group_role = "node", description = "wrong IP-in-IP" }]
  }
  expect_failures = [var.extra_rules]
}

run "refuses_protocol_94" {
  command = plan
  variables {
    extra_rules = [{ key = "ipip", group_role = "node", protocol = "94", remote_group_role = "node", description = "wrong IP-in-IP" }]
  }
  expect_failures = [var.extra_rules]
}

run "refuses_admin_cidrs_covering_the_internet_in_halves" {
  command = plan
  variables {
    admin_cidrs = ["0.0.0.0/1", "128.0.0.0/1"]
  }
  expect_failures = [var.admin_cidrs]
}

run "refuses_admin_cidr_broader_than_slash_8" {
  command = plan
  variables {
    admin_cidrs = ["10.0.0.0/7"]
  }
  expect_failures = [var.admin_cidrs]
}

run "refuses_admin_ipv6_broader_than_slash_32" {
  command = plan
  variables {
    admin_cidrs = ["203.0.113.0/24", "2000::/3"]
  }
  expect_failures = [var.admin_cidrs]
}

# Each extra_rules case below trips exactly one guard (tests/Terraform/TerraformModuleTests disables each guard in
# turn and expects its cases to fail).

run "refuses_world_source_outside_the_ingress_group" {
  command = plan
  variables {
    extra_rules = [{ key = "web", group_role = "node", protocol = "tcp", port_min = 8080, port_max = 8080, remote_cidr = "0.0.0.0/0", description = "not the ingress group" }]
  }
  expect_failures = [output.rules]
}

run "refuses_world_source_on_the_ingress_group_beyond_80_443" {
  command = plan
  variables {
    extra_rules = [{ key = "alt-https", group_role = "ingress", protocol = "tcp", port_min = 8443, port_max = 8443, remote_cidr = "::/0", description = "not 80/443" }]
  }
  expect_failures = [output.rules]
}

run "refuses_half_the_internet_as_a_source" {
  command = plan
  variables {
    extra_rules = [{ key = "exporter", group_role = "node", protocol = "tcp", port_min = 9100, port_max = 9100, remote_cidr = "128.0.0.0/1", description = "half of IPv4" }]
  }
  expect_failures = [output.rules]
}

run "refuses_ssh_from_outside_the_admin_cidrs" {
  command = plan
  variables {
    extra_rules = [{ key = "ssh", group_role = "admin", protocol = "tcp", port_min = 22, port_max = 22, remote_cidr = "198.51.100.0/24", description = "not an admin range" }]
  }
  expect_failures = [output.rules]
}

run "refuses_kubelet_from_an_admin_range" {
  command = plan
  variables {
    extra_rules = [{ key = "kubelet", group_role = "node", protocol = "tcp", port_min = 10250, port_max = 10250, remote_cidr = "203.0.113.0/25", description = "kubelet is for nodes only" }]
  }
  expect_failures = [output.rules]
}

run "refuses_etcd_inside_a_wide_port_range" {
  command = plan
  variables {
    extra_rules = [{ key = "wide", group_role = "control_plane", protocol = "tcp", port_min = 2000, port_max = 3000, remote_cidr = "198.51.100.0/24", description = "covers 2379-2380" }]
  }
  expect_failures = [output.rules]
}

run "refuses_node_cidr_on_other_ports" {
  command = plan
  variables {
    extra_rules = [{ key = "db", group_role = "node", protocol = "tcp", port_min = 5432, port_max = 5432, remote_cidr = "10.20.0.0/24", description = "node subnet, not a cluster port" }]
  }
  expect_failures = [output.rules]
}

run "refuses_cidr_overlapping_the_nodes_on_other_ports" {
  command = plan
  variables {
    extra_rules = [{ key = "exporter", group_role = "node", protocol = "tcp", port_min = 9100, port_max = 9100, remote_cidr = "10.0.0.0/8", description = "contains the node subnet" }]
  }
  expect_failures = [output.rules]
}

run "refuses_node_to_node_on_other_ports" {
  command = plan
  variables {
    extra_rules = [{ key = "db", group_role = "node", protocol = "tcp", port_min = 5432, port_max = 5432, remote_group_role = "node", description = "not a cluster port" }]
  }
  expect_failures = [output.rules]
}

run "refuses_extra_rule_cidr_with_host_bits" {
  command = plan
  variables {
    extra_rules = [{ key = "x", group_role = "node", protocol = "tcp", port_min = 9100, port_max = 9100, remote_cidr = "198.51.100.7/24", description = "host bits" }]
  }
  expect_failures = [var.extra_rules]
}

run "refuses_extra_rule_ports_on_icmp" {
  command = plan
  variables {
    extra_rules = [{ key = "x", group_role = "node", protocol = "icmp", port_min = 8, port_max = 8, remote_cidr = "198.51.100.0/24", description = "ports are for tcp/udp" }]
  }
  expect_failures = [var.extra_rules]
}

run "refuses_extra_rule_unknown_protocol" {
  command = plan
  variables {
    extra_rules = [{ key = "x", group_role = "node", protocol = "any", remote_cidr = "198.51.100.0/24", description = "not a protocol" }]
  }
  expect_failures = [var.extra_rules]
}

run "refuses_duplicate_extra_rule_keys" {
  command = plan
  variables {
    extra_rules = [
      { key = "x", group_role = "node", protocol = "icmp", remote_cidr = "198.51.100.0/24", description = "one" },
      { key = "x", group_role = "node", protocol = "icmp", remote_cidr = "192.0.2.0/24", description = "two" },
    ]
  }
  expect_failures = [var.extra_rules]
}

run "refuses_ssh_from_anywhere_via_extra_rule" {
  command = plan
  variables {
    extra_rules = [{ key = "ssh", group_role = "node", protocol = "tcp", port_min = 22, port_max = 22, remote_cidr = "0.0.0.0/0", description = "SSH to the world" }]
  }
  expect_failures = [output.rules]
}

run "refuses_any_port_from_anywhere_ipv6" {
  command = plan
  variables {
    extra_rules = [{ key = "all", group_role = "control_plane", protocol = "tcp", port_min = 1, port_max = 65535, remote_cidr = "::/0", description = "everything" }]
  }
  expect_failures = [output.rules]
}

run "refuses_bad_platform_name" {
  command = plan
  variables {
    platform_name = "Seed_1"
  }
  expect_failures = [var.platform_name]
}
