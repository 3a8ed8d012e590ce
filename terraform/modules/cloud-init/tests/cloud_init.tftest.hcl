# Offline checks of the cloud-init rendering: run with `terraform test` in terraform/modules/cloud-init. The NUnit tests
# (tests/Terraform) add the real `cloud-init schema` and shellcheck on the same rendering.
variables {
  hostname         = "seed-cp-1"
  role             = "control-plane"
  admin_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeFakeFakeFakeFakeFakeFakeFakeFakeFakeFake admin@example"
  host_key = {
    private_key = "-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key\n-----END OPENSSH PRIVATE KEY-----\n"
    public_key  = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostHostHostHostHostHostHostHostHostHostHost seed-cp-1"
  }
}

run "renders_valid_yaml_cloud_config" {
  command = plan

  assert {
    condition     = startswith(output.user_data, "#cloud-config\n") && can(yamldecode(output.user_data))
    error_message = "user_data must be a '#cloud-config' YAML document."
  }

  assert {
    condition     = yamldecode(output.user_data).ssh_keys.ed25519_public == var.host_key.public_key && yamldecode(output.user_data).ssh_deletekeys == true
    error_message = "The image's host keys are deleted and the pinned one installed."
  }

  assert {
    condition     = yamldecode(output.user_data).ssh_pwauth == false && yamldecode(output.user_data).disable_root == true
    error_message = "Password login and root login must be off."
  }

  assert {
    condition     = strcontains(output.node_env, "KUBERNETES_MINOR='1.35'") && strcontains(output.node_env, "KUBERNETES_PACKAGE_VERSION='1.35.0-1.1'")
    error_message = "Kubernetes packages come from the pinned v1.35 repository at the pinned version."
  }

  assert {
    condition     = output.user_data_base64_bytes <= 65535
    error_message = "User data must fit Nova's 64 KiB limit."
  }

  assert {
    condition     = [for f in yamldecode(output.user_data).write_files : f.path if startswith(f.content, "#!")] == keys(output.scripts)
    error_message = "Every embedded script is listed in the scripts output (what the NUnit tests shellcheck)."
  }
}

run "worker_role_renders" {
  command = plan

  variables {
    hostname = "seed-worker-1"
    role     = "worker"
  }

  assert {
    condition     = yamldecode(output.user_data).hostname == "seed-worker-1" && strcontains(output.node_env, "PLATFORM_NODE_ROLE='worker'")
    error_message = "The worker renders with its own name and role."
  }
}

run "extra_ca_is_trusted" {
  command = plan

  variables {
    extra_trusted_ca_pems = ["-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"]
  }

  assert {
    condition     = length(yamldecode(output.user_data).ca_certs.trusted) == 1
    error_message = "Extra CAs go to ca_certs.trusted."
  }
}

# ---- bad inputs

run "refuses_user_data_over_64_kib" {
  command = plan
  variables {
    extra_trusted_ca_pems = [for i in range(60) : "-----BEGIN CERTIFICATE-----\n${join("", [for j in range(16) : "MIIFazCCA1OgAwIBAgIRAIIQz7DSQONZRGPgu2OCiwAwDQYJKoZIhvcNAQELBQAw\n"])}-----END CERTIFICATE-----\n"]
  }
  expect_failures = [output.user_data]
}

run "refuses_non_ed25519_host_key" {
  command = plan
  variables {
    host_key = { private_key = "-----BEGIN RSA PRIVATE KEY-----\nx\n-----END RSA PRIVATE KEY-----\n", public_key = "ssh-rsa AAAA seed-cp-1" }
  }
  expect_failures = [var.host_key]
}

run "refuses_bad_admin_key" {
  command = plan
  variables {
    admin_public_key = "not a key"
  }
  expect_failures = [var.admin_public_key]
}

run "refuses_kubernetes_outside_1_35" {
  command = plan
  variables {
    kubernetes_version = "1.34.2"
  }
  expect_failures = [var.kubernetes_version]
}

run "refuses_unknown_role" {
  command = plan
  variables {
    role = "etcd"
  }
  expect_failures = [var.role]
}

run "refuses_malformed_fingerprint" {
  command = plan
  variables {
    kubernetes_apt_key_fingerprint = "DE15B144"
  }
  expect_failures = [var.kubernetes_apt_key_fingerprint]
}
