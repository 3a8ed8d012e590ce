# Offline proof of the address plan: run with `terraform test` in terraform/modules/address-plan.
variables {
  platform_name = "seed"
  node_cidr     = "10.20.0.0/24"
  pod_cidr      = "10.244.0.0/16"
  service_cidr  = "10.96.0.0/16"
}

run "default_plan_names_and_addresses" {
  command = plan

  assert {
    condition     = keys(output.nodes) == ["seed-cp-1", "seed-worker-1", "seed-worker-2"]
    error_message = "Nodes must be <platform>-cp-1 and <platform>-worker-<n>."
  }

  assert {
    condition     = [for n in values(output.nodes) : n.private_ip] == ["10.20.0.10", "10.20.0.11", "10.20.0.12"]
    error_message = "Fixed node addresses start at host .10."
  }

  assert {
    condition     = output.nodes["seed-cp-1"].role == "control-plane" && output.nodes["seed-worker-2"].role == "worker"
    error_message = "Roles must be control-plane and worker."
  }

  assert {
    condition     = output.api_private_endpoint == "10.20.0.10:6443"
    error_message = "The private API endpoint is the control plane on 6443."
  }

  assert {
    condition     = output.subnet.gateway_ip == "10.20.0.1" && output.subnet.pool_start == "10.20.0.100" && output.subnet.pool_end == "10.20.0.254"
    error_message = "Gateway .1, DHCP pool .100 to the last usable host."
  }
}

run "adjacent_ranges_do_not_overlap" {
  command = plan

  variables {
    node_cidr    = "10.0.0.0/24"
    pod_cidr     = "10.0.1.0/24"
    service_cidr = "10.0.2.0/23"
  }

  assert {
    condition     = output.network == { nodeCidr = "10.0.0.0/24", podCidr = "10.0.1.0/24", serviceCidr = "10.0.2.0/23" }
    error_message = "Adjacent, non-overlapping ranges must be accepted."
  }
}

run "twenty_workers_fit" {
  command = plan

  variables {
    worker_count = 20
  }

  assert {
    condition     = output.nodes["seed-worker-20"].private_ip == "10.20.0.30"
    error_message = "Twenty workers fit below the DHCP pool."
  }
}

# ---- bad inputs

run "refuses_pod_cidr_overlapping_nodes" {
  command = plan
  variables {
    pod_cidr = "10.20.0.0/16"
  }
  expect_failures = [var.pod_cidr]
}

run "refuses_service_cidr_inside_pods" {
  command = plan
  variables {
    service_cidr = "10.244.128.0/20"
  }
  expect_failures = [var.service_cidr]
}

run "refuses_service_cidr_overlapping_nodes" {
  command = plan
  variables {
    service_cidr = "10.0.0.0/8"
  }
  expect_failures = [var.service_cidr]
}

run "refuses_node_cidr_with_host_bits" {
  command = plan
  variables {
    node_cidr = "10.20.0.5/24"
  }
  expect_failures = [var.node_cidr]
}

run "refuses_too_small_node_subnet" {
  command = plan
  variables {
    node_cidr = "10.20.0.0/26"
  }
  expect_failures = [var.node_cidr]
}

run "refuses_ipv6_node_cidr" {
  command = plan
  variables {
    node_cidr = "2001:db8::/64"
  }
  expect_failures = [var.node_cidr]
}

run "refuses_not_a_cidr" {
  command = plan
  variables {
    service_cidr = "10.96.0.0"
  }
  expect_failures = [var.service_cidr]
}

run "refuses_two_control_planes" {
  command = plan
  variables {
    control_plane_count = 2
  }
  expect_failures = [var.control_plane_count]
}

run "refuses_zero_workers" {
  command = plan
  variables {
    worker_count = 0
  }
  expect_failures = [var.worker_count]
}

run "refuses_bad_dns_server" {
  command = plan
  variables {
    dns_nameservers = ["dns.example.org"]
  }
  expect_failures = [var.dns_nameservers]
}
