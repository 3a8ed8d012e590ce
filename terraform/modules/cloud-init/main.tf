# Renders the cloud-config of one node. Provider-free, so `terraform test` checks it offline; the NUnit tests run the
# real `cloud-init schema` and shellcheck on what this renders.
locals {
  kubernetes_minor = join(".", slice(split(".", var.kubernetes_version), 0, 2))

  node_env = <<-EOT
    # Written by cloud-init from terraform/modules/cloud-init; read by /usr/local/sbin/platform-node-prepare.sh.
    PLATFORM_NODE_ROLE='${var.role}'
    KUBERNETES_MINOR='${local.kubernetes_minor}'
    KUBERNETES_PACKAGE_VERSION='${var.kubernetes_version}-${var.kubernetes_package_revision}'
    KUBERNETES_APT_KEY_FINGERPRINT='${var.kubernetes_apt_key_fingerprint}'
    CONTAINERD_VERSION='${var.containerd_version}'
    DOCKER_APT_KEY_FINGERPRINT='${var.docker_apt_key_fingerprint}'
  EOT

  sshd_hardening = <<-EOT
    # Keys only, no root, one pinned host key (ssh_keys below); TCP forwarding stays on for ProxyJump to the workers.
    HostKey /etc/ssh/ssh_host_ed25519_key
    PasswordAuthentication no
    KbdInteractiveAuthentication no
    PermitRootLogin no
    PubkeyAuthentication yes
    AuthenticationMethods publickey
    PermitEmptyPasswords no
    X11Forwarding no
    AllowAgentForwarding no
    AllowTcpForwarding yes
    MaxAuthTries 3
    LoginGraceTime 30
  EOT

  # Files that are scripts (shebang first): the NUnit tests shellcheck each one as embedded.
  scripts = {
    "/usr/local/sbin/platform-node-prepare.sh" = file("${path.module}/scripts/node-prepare.sh")
  }

  config = merge({
    hostname          = var.hostname
    preserve_hostname = false
    manage_etc_hosts  = true

    # Pinned host key: cloud-init removes the image's keys and installs ours, so the suite verifies the host strictly
    # from the first connection. cloud-init generates keys only when ssh_keys is absent; the schema wants one type.
    ssh_deletekeys  = true
    ssh_genkeytypes = ["ed25519"]
    ssh_keys = {
      ed25519_private = var.host_key.private_key
      ed25519_public  = var.host_key.public_key
    }
    ssh_pwauth          = false
    disable_root        = true
    ssh_authorized_keys = [trimspace(var.admin_public_key)]

    package_update  = true
    package_upgrade = false
    packages        = ["ca-certificates", "curl", "gnupg", "chrony"]
    ntp = {
      enabled    = true
      ntp_client = "chrony"
    }

    write_files = concat([
      { path = "/etc/modules-load.d/kubernetes.conf", permissions = "0644", content = "overlay\nbr_netfilter\n" },
      {
        path        = "/etc/sysctl.d/90-kubernetes.conf"
        permissions = "0644"
        content     = "net.bridge.bridge-nf-call-iptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\nnet.ipv4.ip_forward = 1\n"
      },
      { path = "/etc/ssh/sshd_config.d/10-platform-hardening.conf", permissions = "0644", content = local.sshd_hardening },
      { path = "/etc/platform/node.env", permissions = "0644", content = local.node_env },
      ], [
      for path, content in local.scripts : { path = path, permissions = "0755", content = content }
    ])

    # kubeadm itself is run by the suite over SSH (Bootstrap target), not here.
    runcmd = [for path in keys(local.scripts) : [path]]
    }, length(var.extra_trusted_ca_pems) == 0 ? {} : {
    ca_certs = { trusted = var.extra_trusted_ca_pems }
  })

  user_data = "#cloud-config\n${yamlencode(local.config)}"

  # Nova rejects user data above 65535 bytes after base64 encoding. The size itself is not secret.
  user_data_limit        = 65535
  user_data_base64_bytes = nonsensitive(length(base64encode(local.user_data)))
}
