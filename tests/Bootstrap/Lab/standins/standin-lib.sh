# shellcheck shell=sh
# Shared by the lab's stand-ins for kubeadm, kubelet and containerd (binaries nothing here provides).
# Every invocation is recorded with its arguments, and every file given with --config is copied, so tests can
# assert exactly what the suite ran. Knobs live in /etc/standin (e.g. join-seconds, version).
STANDIN_LOG=/var/log/standin/invocations.log
STANDIN_FILES=/var/log/standin/files

standin_record() {
  tool="$1"; shift
  mkdir -p "$STANDIN_FILES"
  seq=$(( $(wc -l <"$STANDIN_LOG" 2>/dev/null || echo 0) + 1 ))
  printf '%s\t%s\t%s\t%s\n' "$seq" "$(date +%s.%N)" "$tool" "$*" >>"$STANDIN_LOG"
  prev=""
  for arg in "$@"; do
    file=""
    case "$arg" in --config=*) file="${arg#--config=}" ;; esac
    [ "$prev" = "--config" ] && file="$arg"
    if [ -n "$file" ] && [ -f "$file" ]; then
      cp "$file" "$STANDIN_FILES/$seq-$tool-$(basename "$file")"
      printf '%s\t%s\tfile\t%s\n' "$seq" "$(date +%s.%N)" "$file" >>"$STANDIN_LOG"
    fi
    prev="$arg"
  done
}

standin_knob() { if [ -f "/etc/standin/$1" ]; then cat "/etc/standin/$1"; else echo "$2"; fi; }

standin_version() { standin_knob version v1.35.0; }
