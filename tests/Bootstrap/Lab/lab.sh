#!/usr/bin/env bash
# The Bootstrap SSH lab: three nodes (cp, w1, w2), each a network namespace running a real OpenSSH sshd chrooted
# into its own overlay of a debootstrap'd Debian root, so nothing the bootstrap does can touch this machine's
# /etc, /var or /usr. Only cp is reachable from here (the "public" veth link, 10.123.<slot>.0/24); the workers sit
# on a private bridge (10.124.0.0/24) inside a switch namespace, reachable only through cp (which does not route).
# Each lab takes a free slot: its names (bl<slot>-...) and public subnet are its own, so labs never clobber each
# other. A directory bind-mounted into every node plays the API server's state for the stand-ins. Needs root.
#
#   lab.sh base                 build (once) and print the cached Debian root
#   lab.sh up <dir>             start the lab; writes <dir>/lab.env (SLOT, PREFIX, PUBLIC_NET). Needs the host keys
#                               <dir>/host-keys/<node>/ssh_host_ed25519_key(.pub) and <dir>/keys/client.pub
#   lab.sh stop-node <dir> <n>  stop node n's sshd (the node becomes unreachable)
#   lab.sh start-node <dir> <n> start node n's sshd again
#   lab.sh link <dir> <n> up|down  cut or restore node n's private link (a network partition: packets vanish)
#   lab.sh forwarding <dir> on  make cp route between its links (a broken entry host; tests use it as a mutation)
#   lab.sh down <dir>           stop everything and remove the namespaces, links, mounts, the slot and <dir>
set -euo pipefail

CACHE_ROOT="${LAB_CACHE:-/var/cache/platform-bootstrap-lab}"
# Slots of running labs: <slot> holds "<owner pid> <lab dir>"; a slot whose owner died is reclaimed.
SLOTS="${LAB_SLOTS:-/run/platform-bootstrap-lab}"
OWNER="${LAB_OWNER_PID:-$PPID}"
PRIVATE_NET=10.124.0
# Bump when the base root's content changes (packages, user setup); the cache is keyed by it.
BASE_VERSION="v2"
# python3-cffi-backend: debootstrap does not resolve the virtual python3-cffi-backend-api-* that cloud-init needs.
BASE_PACKAGES="openssh-server,sudo,cloud-init,python3-cffi-backend,iproute2,procps"
NODES=(cp w1 w2)
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

private_ip() { case "$1" in cp) echo "$PRIVATE_NET.10" ;; w1) echo "$PRIVATE_NET.11" ;; w2) echo "$PRIVATE_NET.12" ;; esac; }
log() { echo "lab: $*" >&2; }

# shellcheck source=/dev/null
codename() { (. /etc/os-release && echo "${VERSION_CODENAME}"); }

# The Debian mirror apt uses on this machine (sources.list or deb822 .sources), for the host's own release.
mirror() {
  local suite url=""
  suite="$(codename)"
  if [ -f /etc/apt/sources.list ]; then
    url="$(awk -v s="$suite" '$1 == "deb" { i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } if ($(i + 1) == s) { print $i; exit } }' /etc/apt/sources.list)"
  fi
  if [ -z "$url" ]; then
    for f in /etc/apt/sources.list.d/*.sources; do
      [ -e "$f" ] || continue
      url="$(awk -v s="$suite" 'BEGIN { RS = ""; FS = "\n" }
        { uris = ""; ok = 0; deb = 0
          for (i = 1; i <= NF; i++) {
            if ($i ~ /^URIs:/) { split($i, a, /[ \t]+/); uris = a[2] }
            if ($i ~ /^Types:/ && $i ~ /[ \t]deb([ \t]|$)/) deb = 1
            if ($i ~ /^Suites:/) { n = split($i, b, /[ \t]+/); for (j = 2; j <= n; j++) if (b[j] == s) ok = 1 }
          }
          if (ok && deb && uris != "") { print uris; exit } }' "$f")"
      [ -n "$url" ] && break
    done
  fi
  [ -n "$url" ] || { log "no Debian mirror for '$suite' in /etc/apt/sources.list(.d)"; return 1; }
  echo "$url"
}

base() {
  local dir
  dir="$CACHE_ROOT/debian-$(codename)-$BASE_VERSION"
  if [ -f "$dir/.complete" ]; then echo "$dir"; return; fi
  mkdir -p "$CACHE_ROOT"
  exec 9>"$CACHE_ROOT/.lock"
  flock 9
  if [ ! -f "$dir/.complete" ]; then
    local url
    url="$(mirror)"
    log "debootstrap $(codename) from $url into $dir (once; cached)"
    rm -rf "$dir.tmp"
    debootstrap --variant=minbase --include="$BASE_PACKAGES" "$(codename)" "$dir.tmp" "$url" >"$CACHE_ROOT/debootstrap.log" 2>&1 ||
      { tail -n 30 "$CACHE_ROOT/debootstrap.log" >&2; exit 1; }
    chroot "$dir.tmp" useradd -m -s /bin/bash debian
    # '*' (no password, not locked): key login works without PAM.
    chroot "$dir.tmp" usermod -p '*' debian
    echo 'debian ALL=(ALL) NOPASSWD:ALL' >"$dir.tmp/etc/sudoers.d/90-debian"
    chmod 0440 "$dir.tmp/etc/sudoers.d/90-debian"
    # Each node gets the host key the suite generated; none from the package.
    rm -f "$dir.tmp"/etc/ssh/ssh_host_*
    chroot "$dir.tmp" apt-get clean
    touch "$dir.tmp/.complete"
    mv "$dir.tmp" "$dir"
  fi
  flock -u 9
  echo "$dir"
}

prepare_node() {
  local dir="$1" node="$2" lower="$3" root="$1/$2/root"
  mkdir -p "$dir/$node/upper" "$dir/$node/work" "$root"
  mountpoint -q "$root" || mount -t overlay "lab-$node" -o "lowerdir=$lower,upperdir=$dir/$node/upper,workdir=$dir/$node/work" "$root"
  # The cluster's shared state (what the API server and etcd would hold), the same directory in every node.
  install -d -m 0755 "$dir/cluster" "$root/var/lib/standin-cluster"
  mountpoint -q "$root/var/lib/standin-cluster" || mount --bind "$dir/cluster" "$root/var/lib/standin-cluster"
  install -m 0600 "$dir/host-keys/$node/ssh_host_ed25519_key" "$root/etc/ssh/ssh_host_ed25519_key"
  install -m 0644 "$dir/host-keys/$node/ssh_host_ed25519_key.pub" "$root/etc/ssh/ssh_host_ed25519_key.pub"
  install -d -m 0700 -o 1000 -g 1000 "$root/home/debian/.ssh"
  install -m 0600 -o 1000 -g 1000 "$dir/keys/client.pub" "$root/home/debian/.ssh/authorized_keys"
  install -d -m 0755 "$root/run/sshd" "$root/usr/local/lib/lab" "$root/etc/standin"
  install -d -m 1777 "$root/var/log/lab"
  install -d -m 1777 "$root/var/log/standin" "$root/var/log/standin/files"
  install -m 0666 /dev/null "$root/var/log/standin/invocations.log"
  install -m 0755 "$HERE/record-command" "$root/usr/local/lib/lab/record-command"
  for tool in kubeadm kubelet containerd kubectl; do install -m 0755 "$HERE/standins/$tool" "$root/usr/local/bin/$tool"; done
  install -m 0644 "$HERE/standins/standin-lib.sh" "$root/usr/local/lib/lab/standin-lib.sh"
  install -m 0755 "$HERE/standins/standin-cluster.py" "$root/usr/local/lib/lab/standin-cluster.py"
  echo "$node" >"$root/etc/hostname"
  printf '127.0.0.1 localhost %s\n' "$node" >"$root/etc/hosts"
  cat >"$root/etc/ssh/sshd_config" <<CONF
Port 22
ListenAddress 0.0.0.0
HostKey /etc/ssh/ssh_host_ed25519_key
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
UsePAM no
AllowUsers debian
PidFile /run/sshd.pid
LogLevel VERBOSE
# Every command that reaches this node is recorded, so tests can prove what ran (and what did not).
ForceCommand /usr/local/lib/lab/record-command
CONF
}

start_sshd() {
  local dir="$1" node="$2" root="$1/$2/root"
  # Own mount, PID and UTS namespaces: /proc is this node's; when the holder dies, every process of the node dies.
  # shellcheck disable=SC2016 # $1 expands in the inner shell.
  setsid ip netns exec "$PREFIX-$node" unshare --mount --pid --uts --fork --kill-child --propagation private \
    /bin/sh -c 'hostname "$2" && mount -t proc proc "$1/proc" && exec chroot "$1" /usr/sbin/sshd -D -e -f /etc/ssh/sshd_config' \
    lab-sshd "$root" "$node" >>"$dir/$node/sshd.log" 2>&1 </dev/null &
  echo $! >"$dir/$node/sshd.pid"
  local ip="$PUBLIC_NET.10" ns="$PREFIX-$node"
  [ "$node" = cp ] || { ip="$(private_ip "$node")"; ns="$PREFIX-cp"; }
  for _ in $(seq 1 100); do
    if ip netns exec "$ns" bash -c "exec 3<>/dev/tcp/$ip/22" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  log "sshd on $node did not start:"; tail -n 20 "$dir/$node/sshd.log" >&2; return 1
}

stop_sshd() {
  local dir="$1" node="$2" pid
  [ -f "$dir/$node/sshd.pid" ] || return 0
  pid="$(cat "$dir/$node/sshd.pid")"
  # unshare blocks SIGTERM while it waits; kill the node's PID 1 (sshd): the kernel then ends the whole node.
  for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do kill -9 "$child" 2>/dev/null || true; done
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$dir/$node/sshd.pid"
}

network_up() {
  ip netns add "$PREFIX-sw"
  ip -n "$PREFIX-sw" link add br0 type bridge
  ip -n "$PREFIX-sw" link set br0 up
  for node in "${NODES[@]}"; do
    local ns="$PREFIX-$node"
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip link add "$PREFIX-$node-p" type veth peer name eth1 netns "$ns"
    ip link set "$PREFIX-$node-p" netns "$PREFIX-sw"
    ip -n "$PREFIX-sw" link set "$PREFIX-$node-p" master br0 up
    ip -n "$ns" addr add "$(private_ip "$node")/24" dev eth1
    ip -n "$ns" link set eth1 up
  done
  # The public link: this process's namespace <-> cp only.
  ip link add "$PREFIX-pub" type veth peer name eth0 netns "$PREFIX-cp"
  ip addr add "$PUBLIC_NET.1/24" dev "$PREFIX-pub"
  ip link set "$PREFIX-pub" up
  ip -n "$PREFIX-cp" addr add "$PUBLIC_NET.10/24" dev eth0
  ip -n "$PREFIX-cp" link set eth0 up
  # A route to the private subnet through cp, as a client that knows the network would have. cp is a jump host, not
  # a router (no forwarding), so the workers stay unreachable except over SSH. The metric keeps any real route to
  # that subnet first and lets several labs coexist; packets to it never leave the lab.
  ip route add "$PRIVATE_NET.0/24" via "$PUBLIC_NET.10" dev "$PREFIX-pub" metric "$((1000 + SLOT))"
}

owner_alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

# Takes the first free slot (1..200) under a lock; a slot whose owner process is gone is torn down and reused.
allocate_slot() {
  local dir="$1" n owner olddir
  mkdir -p "$SLOTS"
  exec 8>"$SLOTS/.lock"
  flock 8
  for n in $(seq 1 200); do
    if [ -f "$SLOTS/$n" ]; then
      read -r owner olddir <"$SLOTS/$n" || true
      if owner_alive "$owner"; then continue; fi
      log "reclaiming slot $n of a lab whose owner ($owner) is gone: $olddir"
      ( load_env_of "$n"; down "$olddir" ) || true
    fi
    if ip netns list | grep -q "^bl$n-" || ip link show "bl$n-pub" >/dev/null 2>&1; then continue; fi
    echo "$OWNER $dir" >"$SLOTS/$n"
    printf 'SLOT=%s\nPREFIX=bl%s\nPUBLIC_NET=10.123.%s\n' "$n" "$n" "$n" >"$dir/lab.env"
    flock -u 8
    return 0
  done
  flock -u 8
  log "no free lab slot (200 labs running?)"; return 1
}

load_env_of() { SLOT="$1"; PREFIX="bl$1"; PUBLIC_NET="10.123.$1"; }

load_env() {
  local dir="$1"
  [ -f "$dir/lab.env" ] || { log "$dir/lab.env is missing: was the lab started with 'lab.sh up $dir'?"; return 1; }
  # shellcheck source=/dev/null
  . "$dir/lab.env"
}

up() {
  local dir="$1" lower
  lower="$(base)"
  mkdir -p "$dir"
  allocate_slot "$dir"
  load_env "$dir"
  network_up
  for node in "${NODES[@]}"; do prepare_node "$dir" "$node" "$lower"; done
  for node in "${NODES[@]}"; do start_sshd "$dir" "$node"; done
  log "up: slot $SLOT, cp $PUBLIC_NET.10 (public), private $PRIVATE_NET.10-12"
}

down_network() {
  for node in "${NODES[@]}" sw; do ip netns del "$PREFIX-$node" 2>/dev/null || true; done
  # Deleting the link also removes the route through it.
  ip link del "$PREFIX-pub" 2>/dev/null || true
}

down() {
  local dir="$1"
  # Nodes stop in parallel: tearing down a PID namespace takes the kernel a second or two.
  for node in "${NODES[@]}"; do stop_sshd "$dir" "$node" & done
  wait
  for node in "${NODES[@]}"; do
    if mountpoint -q "$dir/$node/root" 2>/dev/null; then umount -R "$dir/$node/root" || umount -R -l "$dir/$node/root"; fi
  done
  down_network
  if [ -n "${SLOT:-}" ] && [ -f "$SLOTS/$SLOT" ] && [ "$(cut -d' ' -f2- "$SLOTS/$SLOT")" = "$dir" ]; then rm -f "$SLOTS/$SLOT"; fi
  case "$dir" in /tmp/*|/var/tmp/*|/run/*) rm -rf "$dir" ;; *) log "not removing $dir (outside /tmp)";; esac
}

forwarding() {
  # cp forwards between its links and the workers route back through it: what a misconfigured entry host would do.
  ip netns exec "$PREFIX-cp" sysctl -qw net.ipv4.ip_forward=1
  for node in w1 w2; do ip -n "$PREFIX-$node" route replace "$PUBLIC_NET.0/24" via "$(private_ip cp)"; done
}

cmd="${1:-}"
case "$cmd" in
  base) base ;;
  mirror) mirror ;;
  up) up "$2" ;;
  down) if [ -f "$2/lab.env" ]; then load_env "$2"; down "$2"; else case "$2" in /tmp/*) rm -rf "$2" ;; esac; fi ;;
  stop-node) load_env "$2"; stop_sshd "$2" "$3" ;;
  start-node) load_env "$2"; start_sshd "$2" "$3" ;;
  link) load_env "$2"; ip -n "$PREFIX-sw" link set "$PREFIX-$3-p" "$4" ;;
  forwarding) load_env "$2"; [ "${3:-}" = on ] && forwarding ;;
  *) echo "usage: lab.sh base|mirror|up <dir>|down <dir>|stop-node|start-node <dir> <node>|link <dir> <node> up|down|forwarding <dir> on" >&2; exit 2 ;;
esac
