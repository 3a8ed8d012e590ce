#!/usr/bin/env bash
# Builds the Bootstrap lab's Debian root once (debootstrap from the mirror apt uses here), cached under
# /var/cache/platform-bootstrap-lab, so the SshLab tests start their nodes in about a second.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
start=$(date +%s)
root="$(bash tests/Bootstrap/Lab/lab.sh base)"
echo "bootstrap lab: Debian root ready at $root ($(( $(date +%s) - start ))s)"
