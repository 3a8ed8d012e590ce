#!/usr/bin/env bash
# OpenStack lab: installs its Debian packages (python3-<service> libraries, MariaDB, RabbitMQ, uwsgi) and unpacks the
# api-paste.ini files. The lab itself is started by the OpenStackLab tests (tests/OpenStack/lab/start.sh) and stopped
# by PID when they finish. The install is here, not in packages.d, so that MariaDB's and RabbitMQ's postinst scripts
# are kept from starting daemons of their own.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
started=$(date +%s)
bash tests/OpenStack/lab/install.sh
echo "openstack lab packages: $(( $(date +%s) - started ))s"
