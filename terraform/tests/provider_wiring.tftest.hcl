# Wiring of the provider-bound root module, with a mocked OpenStack provider. Needs the provider's schema, so it runs
# where the provider can be downloaded (.github/workflows/terraform.yml), not offline. The logic itself is proven
# offline by the modules' own tests (terraform/modules/*/tests).
mock_provider "openstack" {}

variables {
  platform_name        = "seed"
  external_network     = "public"
  admin_cidrs          = ["203.0.113.0/24"]
  image                = "debian-12-genericcloud-amd64"
  control_plane_flavor = "m1.medium"
  worker_flavor        = "m1.large"
  admin_public_key     = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAdminAdminAdminAdminAdminAdminAdminAdmin admin@example"
  auth_url             = "https://keystone.example.org/v3"
  host_public_keys = {
    "seed-cp-1"     = "ssh-ed25519 AAAAcp seed-cp-1"
    "seed-worker-1" = "ssh-ed25519 AAAAw1 seed-worker-1"
    "seed-worker-2" = "ssh-ed25519 AAAAw2 seed-worker-2"
  }
  host_private_keys = {
    "seed-cp-1"     = "-----BEGIN OPENSSH PRIVATE KEY-----\ncp\n-----END OPENSSH PRIVATE KEY-----\n"
    "seed-worker-1" = "-----BEGIN OPENSSH PRIVATE KEY-----\nw1\n-----END OPENSSH PRIVATE KEY-----\n"
    "seed-worker-2" = "-----BEGIN OPENSSH PRIVATE KEY-----\nw2\n-----END OPENSSH PRIVATE KEY-----\n"
  }
}

run "control_plane_mode" {
  command = plan

  assert {
    condition     = length(openstack_networking_secgroup_v2.group) == 4 && length(openstack_networking_secgroup_rule_v2.rule) == length(module.rule_matrix.rules)
    error_message = "One Neutron group per role and one rule per matrix entry."
  }

  assert {
    condition     = length(openstack_compute_instance_v2.node) == 3 && length(openstack_networking_port_v2.node) == 3
    error_message = "Three nodes, each on its own port."
  }

  assert {
    condition     = length(openstack_networking_floatingip_associate_v2.control_plane) == 1 && length(openstack_networking_portforwarding_v2.forward) == 0
    error_message = "control-plane mode associates the floating IP with the control plane and forwards nothing."
  }

  assert {
    condition     = local.node_groups["seed-cp-1"] == ["seed-node", "seed-control-plane", "seed-admin", "seed-ingress"] && local.node_groups["seed-worker-1"] == ["seed-node"]
    error_message = "The control plane carries the admin and ingress groups; workers only the node group."
  }

  assert {
    condition     = alltrue([for p in openstack_networking_port_v2.node : p.port_security_enabled])
    error_message = "Port security stays on."
  }
}

run "port_forwarding_mode_with_ingress_on_a_worker" {
  command = plan

  variables {
    floating_ip_mode = "port-forwarding"
    ingress_node     = "first-worker"
  }

  assert {
    condition     = length(openstack_networking_floatingip_associate_v2.control_plane) == 0 && length(openstack_networking_portforwarding_v2.forward) == 4
    error_message = "port-forwarding mode forwards 22, 6443, 80 and 443."
  }

  assert {
    condition     = openstack_networking_portforwarding_v2.forward["https"].internal_ip_address == "10.20.0.11" && openstack_networking_portforwarding_v2.forward["ssh"].internal_ip_address == "10.20.0.10"
    error_message = "80/443 go to the ingress worker, 22/6443 to the control plane."
  }

  assert {
    condition     = contains(local.node_groups["seed-worker-1"], "seed-ingress") && !contains(local.node_groups["seed-cp-1"], "seed-ingress")
    error_message = "Only the ingress node gets the ingress group."
  }
}

run "data_volumes_only_on_workers" {
  command = plan

  variables {
    data_volume_size_gb = 50
  }

  assert {
    condition     = keys(openstack_blockstorage_volume_v3.data) == ["seed-worker-1", "seed-worker-2"]
    error_message = "Data volumes go to the workers."
  }
}

run "refuses_ingress_on_worker_in_control_plane_mode" {
  command = plan
  variables {
    ingress_node = "first-worker"
  }
  expect_failures = [var.ingress_node]
}

run "refuses_empty_external_network" {
  command = plan
  variables {
    external_network = " "
  }
  expect_failures = [var.external_network]
}

run "refuses_a_node_without_a_pinned_host_key" {
  command = plan
  variables {
    host_public_keys = {
      "seed-cp-1"     = "ssh-ed25519 AAAAcp seed-cp-1"
      "seed-worker-1" = "ssh-ed25519 AAAAw1 seed-worker-1"
    }
  }
  expect_failures = [var.host_public_keys]
}

run "refuses_an_empty_image" {
  command = plan
  variables {
    image = ""
  }
  expect_failures = [var.image]
}
