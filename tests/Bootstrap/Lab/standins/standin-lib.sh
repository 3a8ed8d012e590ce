# shellcheck shell=sh
# Shared by the lab's stand-ins for kubeadm, kubelet, containerd and kubectl (nothing here provides them, or an API
# server for kubectl to talk to). Every invocation is recorded with its arguments, and every file given with --config
# (or named inside it, see standin_file) is copied, so tests can assert exactly what the suite ran. Knobs live in
# /etc/standin (e.g. join-seconds, version). The cluster's shared state is kept by standin-cluster.py.
STANDIN_CLUSTER=/usr/local/lib/lab/standin-cluster.py
STANDIN_LOG=/var/log/standin/invocations.log
STANDIN_FILES=/var/log/standin/files

standin_record() {
  tool="$1"; shift
  mkdir -p "$STANDIN_FILES"
  STANDIN_SEQ=$(( $(wc -l <"$STANDIN_LOG" 2>/dev/null || echo 0) + 1 ))
  STANDIN_TOOL="$tool"
  printf '%s\t%s\t%s\t%s\n' "$STANDIN_SEQ" "$(date +%s.%N)" "$tool" "$*" >>"$STANDIN_LOG"
  prev=""
  for arg in "$@"; do
    file=""
    case "$arg" in --config=*) file="${arg#--config=}" ;; esac
    [ "$prev" = "--config" ] && file="$arg"
    if [ -n "$file" ] && [ -f "$file" ]; then standin_file "$file"; fi
    prev="$arg"
  done
}

# Keeps a copy of a file the current invocation was given (also one named inside a config, e.g. a discovery file).
standin_file() {
  cp "$1" "$STANDIN_FILES/$STANDIN_SEQ-$STANDIN_TOOL-$(basename "$1")"
  printf '%s\t%s\tfile\t%s\n' "$STANDIN_SEQ" "$(date +%s.%N)" "$1" >>"$STANDIN_LOG"
}

standin_cluster() { python3 "$STANDIN_CLUSTER" "$@"; }

standin_knob() { if [ -f "/etc/standin/$1" ]; then cat "/etc/standin/$1"; else echo "$2"; fi; }

standin_version() { standin_knob version v1.35.0; }
