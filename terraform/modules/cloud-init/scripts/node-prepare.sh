#!/usr/bin/env bash
# Prepares a node for kubeadm (run once by cloud-init; the suite runs kubeadm itself over SSH):
# kernel modules and sysctls, swap off, containerd with the systemd cgroup driver, and kubeadm/kubelet/kubectl from
# the pinned Kubernetes package repository, all held at their versions. Settings come from /etc/platform/node.env.
set -euo pipefail

# shellcheck source=/dev/null
. /etc/platform/node.env
# shellcheck source=/dev/null
. /etc/os-release

log() { echo "platform-node-prepare: $*"; }

log "kernel modules and sysctls"
modprobe overlay
modprobe br_netfilter
sysctl --system >/dev/null

log "swap off (kubelet refuses to run with swap by default)"
swapoff -a
sed -i -E '/^[^#].*[[:space:]]swap[[:space:]]/s/^/# disabled for kubelet: /' /etc/fstab

keyrings=/etc/apt/keyrings
install -d -m 0755 "$keyrings"

# Downloads a repository signing key over HTTPS and, when a fingerprint is pinned, refuses any other key.
fetch_key() {
  local url=$1 destination=$2 expected=$3 download actual
  download=$(mktemp)
  curl -fsSL --retry 5 --retry-delay 3 "$url" -o "$download"
  if [ -n "$expected" ]; then
    actual=$(gpg --show-keys --with-colons "$download" | awk -F: '$1 == "fpr" { print $10; exit }')
    if [ "$actual" != "$expected" ]; then
      echo "platform-node-prepare: key $url has fingerprint '$actual', expected '$expected'" >&2
      rm -f "$download"
      exit 1
    fi
  fi
  gpg --dearmor --yes -o "$destination" "$download"
  chmod 0644 "$destination"
  rm -f "$download"
}

log "package repositories (containerd from Docker, Kubernetes v${KUBERNETES_MINOR} from pkgs.k8s.io)"
fetch_key "https://download.docker.com/linux/${ID}/gpg" "$keyrings/docker.gpg" "$DOCKER_APT_KEY_FINGERPRINT"
echo "deb [signed-by=$keyrings/docker.gpg] https://download.docker.com/linux/${ID} ${VERSION_CODENAME} stable" \
  >/etc/apt/sources.list.d/docker.list
k8s_repo="https://pkgs.k8s.io/core:/stable:/v${KUBERNETES_MINOR}/deb/"
fetch_key "${k8s_repo}Release.key" "$keyrings/kubernetes.gpg" "$KUBERNETES_APT_KEY_FINGERPRINT"
echo "deb [signed-by=$keyrings/kubernetes.gpg] ${k8s_repo} /" >/etc/apt/sources.list.d/kubernetes.list

log "containerd ${CONTAINERD_VERSION}, kubeadm/kubelet/kubectl ${KUBERNETES_PACKAGE_VERSION}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends \
  "containerd.io=${CONTAINERD_VERSION}" \
  "kubelet=${KUBERNETES_PACKAGE_VERSION}" \
  "kubeadm=${KUBERNETES_PACKAGE_VERSION}" \
  "kubectl=${KUBERNETES_PACKAGE_VERSION}"
apt-mark hold containerd.io kubelet kubeadm kubectl

log "containerd with the systemd cgroup driver"
install -d -m 0755 /etc/containerd
containerd config default >/etc/containerd/config.toml
sed -i 's/SystemdCgroup = false/SystemdCgroup = true/' /etc/containerd/config.toml
if ! grep -q 'SystemdCgroup = true' /etc/containerd/config.toml; then
  echo "platform-node-prepare: could not enable SystemdCgroup in /etc/containerd/config.toml" >&2
  exit 1
fi
systemctl restart containerd
systemctl enable containerd kubelet

log "sshd: keys only, pinned host key"
sshd -t
systemctl try-reload-or-restart ssh.service

install -d -m 0755 /var/lib/platform
date -u +%Y-%m-%dT%H:%M:%SZ >/var/lib/platform/node-prepared
log "done"
