#!/usr/bin/env bash
# Stops what start.sh started, by the PIDs it recorded: the API services first (in parallel), then RabbitMQ and
# MariaDB. A process that ignores SIGTERM for 30 s gets SIGKILL, with its children.
set -uo pipefail
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
lab=${OSLAB_DIR:-/tmp/platform-oslab}

stop_one() {
  local name=$1 pidfile="$lab/pids/$1" pid children
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  children=$(ps -o pid= --ppid "$pid" 2>/dev/null | tr '\n' ' ')
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then
    # shellcheck disable=SC2086 # the list of child PIDs is meant to split
    kill -KILL "$pid" $children 2>/dev/null
  fi
  rm -f "$pidfile"
  echo "oslab: stopped $name ($pid)"
}

for name in cinder-volume cinder-scheduler cinder-api nova-compute nova-scheduler nova-conductor nova-api \
  neutron-server glance-api placement keystone-short keystone; do
  stop_one "$name" &
done
wait
# rabbitmq-server is a shell wrapper around the Erlang VM: stop the node cleanly, then the port mapper it started.
if [ -f "$lab/pids/rabbitmq" ]; then
  HOME="$lab/rabbitmq" ERL_EPMD_ADDRESS=127.0.0.1 /usr/lib/rabbitmq/bin/rabbitmqctl -n rabbit@localhost stop >/dev/null 2>&1
  stop_one rabbitmq
fi
stop_one epmd
stop_one mariadb
