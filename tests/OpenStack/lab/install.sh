#!/usr/bin/env bash
# Installs what the OpenStack lab needs, from Debian's archive only: the python3-<service> libraries (not the service
# packages, whose postinst scripts prompt and start daemons), MariaDB, RabbitMQ and uwsgi. The api-paste.ini files
# exist only in the *-common packages, so those are downloaded and unpacked into a cache folder, not installed.
# Safe to run again. Run as root.
set -euo pipefail
export PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive
cache=${OSLAB_CACHE:-/var/cache/platform-oslab}
apt_get() { apt-get -o DPkg::Lock::Timeout=900 "$@"; }

packages=(python3-keystone python3-neutron python3-glance python3-glance-store python3-placement python3-nova
  python3-cinder python3-pymysql uwsgi-plugin-python3 rabbitmq-server mariadb-server curl)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  # Keep the postinst scripts from starting MariaDB and RabbitMQ: the lab starts its own, on its own data folders.
  created_policy=false
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    created_policy=true
  fi
  apt_get update -qq || true
  apt_get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ "$created_policy" = true ]; then rm -f /usr/sbin/policy-rc.d; fi
fi

if [ ! -f "$cache/x/usr/share/nova-common/api-paste.ini" ]; then
  mkdir -p "$cache/debs" "$cache/x"
  (cd "$cache/debs" && apt_get download -qq nova-common neutron-common glance-common cinder-common)
  for deb in "$cache"/debs/*.deb; do dpkg-deb -x "$deb" "$cache/x"; done
fi
echo "openstack lab packages ready (paste files in $cache/x)"
