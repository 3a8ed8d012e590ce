#!/usr/bin/env bash
# Starts the project's OpenStack lab: a real OpenStack Zed control plane (Keystone, Placement, Glance, Neutron ML2
# without agents, Nova with the fake compute driver, Cinder with the fake volume driver) on 127.0.0.1 only, as plain
# processes whose PIDs are written to $OSLAB_DIR/pids/<name>. Every start is fresh: new MariaDB and RabbitMQ data
# folders under $OSLAB_DIR. Packages come from install.sh. Stop it with stop.sh (by PID). Run as root.
#
# Environment: OSLAB_DIR (default /tmp/platform-oslab), OSLAB_CACHE (install.sh's cache),
#              OSLAB_ADMIN_PASSWORD (default: a random one, written to $OSLAB_DIR/admin-password, mode 600),
#              OSLAB_TOKEN_EXPIRATION (3600), OSLAB_SHORT_TOKEN_SECONDS (20: tokens of the second Keystone on port 5001).
#
# Secrets: every file under $OSLAB_DIR is created owner-only (umask 077; the configuration files hold the database,
# RabbitMQ and service passwords), and no password is ever a command-line argument, where any local user could read
# it in ps: they reach the tools through configuration files, stdin or exported variables.
set -euo pipefail
# Debian's Python and tools, whatever the caller's PATH says (a pyenv python3 has none of the service libraries).
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
lab=${OSLAB_DIR:-/tmp/platform-oslab}
cache=${OSLAB_CACHE:-/var/cache/platform-oslab}
py=/usr/bin/python3
started=$(date +%s)
say() { echo "[oslab $(( $(date +%s) - started ))s] $*"; }

for pidfile in "$lab"/pids/*; do
  [ -e "$pidfile" ] || continue
  if kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "oslab: $(basename "$pidfile") is still running from an earlier start; run stop.sh first." >&2
    exit 1
  fi
done
[ -f "$cache/x/usr/share/nova-common/api-paste.ini" ] || (umask 022; bash "$here/install.sh")
umask 077

rm -rf "$lab"
mkdir -p "$lab"/{logs,pids,etc,locks,mysql,mysql-run,rabbitmq,fernet,credential} "$lab"/state/{glance,nova,neutron,cinder}
chmod 711 "$lab"  # mysqld runs as the mysql user and must reach its data folder
admin_password=${OSLAB_ADMIN_PASSWORD:-$(head -c 18 /dev/urandom | base64 | tr -d '/+=')}
service_password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
db_password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
mq_password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
echo "$admin_password" > "$lab/admin-password"

# remember <name> <pid>
remember() { echo "$2" > "$lab/pids/$1"; }
wait_for() { # wait_for <what> <seconds> <command...>
  local what=$1 seconds=$2; shift 2
  for _ in $(seq "$seconds"); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  echo "oslab: $what did not come up in ${seconds}s; logs in $lab/logs" >&2
  exit 1
}

# ---- MariaDB on its own data folder and socket (Neutron's migrations need MySQL; SQLite fails them) ----
chown mysql:mysql "$lab/mysql" "$lab/mysql-run"
mariadb-install-db --user=mysql --datadir="$lab/mysql" --auth-root-authentication-method=socket > "$lab/logs/mariadb-install.log" 2>&1
nohup mariadbd --no-defaults --user=mysql --datadir="$lab/mysql" --socket="$lab/mysql-run/mysqld.sock" --pid-file="$lab/mysql-run/mysqld.pid" \
  --bind-address=127.0.0.1 --port=3306 --skip-name-resolve --max-connections=1000 --innodb-buffer-pool-size=128M \
  --innodb-flush-log-at-trx-commit=2 --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
  > "$lab/logs/mariadb.log" 2>&1 &
remember mariadb $!
sql() { mariadb --socket="$lab/mysql-run/mysqld.sock" -u root "$@"; }
wait_for MariaDB 60 mariadb-admin --socket="$lab/mysql-run/mysqld.sock" ping
for db in keystone placement glance neutron nova nova_api nova_cell0 cinder; do sql -e "CREATE DATABASE $db"; done
sql <<SQL
CREATE USER 'os'@'127.0.0.1' IDENTIFIED BY '$db_password';
GRANT ALL ON *.* TO 'os'@'127.0.0.1';
SQL
say "MariaDB up"

# ---- RabbitMQ, loopback only, its own data folder; the Erlang port mapper too ----
# The services' user is created at the first boot from the configuration (default permissions: all on vhost /).
cat > "$lab/etc/rabbitmq.conf" <<C
listeners.tcp.default = 127.0.0.1:5672
loopback_users = none
default_user = os
default_pass = $mq_password
C
echo '[{kernel,[{inet_dist_use_interface,{127,0,0,1}}]}].' > "$lab/etc/rabbitmq-advanced.config"
rabbit_env=(HOME="$lab/rabbitmq" ERL_EPMD_ADDRESS=127.0.0.1 RABBITMQ_NODENAME=rabbit@localhost
  RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_CONFIG_FILE="$lab/etc/rabbitmq.conf"
  RABBITMQ_ADVANCED_CONFIG_FILE="$lab/etc/rabbitmq-advanced.config" RABBITMQ_MNESIA_BASE="$lab/rabbitmq/mnesia"
  RABBITMQ_LOG_BASE="$lab/logs" RABBITMQ_ENABLED_PLUGINS_FILE="$lab/rabbitmq/enabled_plugins"
  RABBITMQ_PID_FILE="$lab/rabbitmq/pid")
# Our own Erlang port mapper, in the foreground, so stop.sh can end it by its PID.
nohup epmd -address 127.0.0.1 > "$lab/logs/epmd.log" 2>&1 &
remember epmd $!
nohup env "${rabbit_env[@]}" /usr/lib/rabbitmq/bin/rabbitmq-server > "$lab/logs/rabbitmq.out" 2>&1 &
remember rabbitmq $!
rabbitmqctl() { env "${rabbit_env[@]}" /usr/lib/rabbitmq/bin/rabbitmqctl -n rabbit@localhost "$@"; }
wait_for RabbitMQ 120 rabbitmqctl await_startup
say "RabbitMQ up"

db="mysql+pymysql://os:$db_password@127.0.0.1"
mq="rabbit://os:$mq_password@127.0.0.1:5672/"
# ---- Keystone under uwsgi: one process with threads and an in-memory cache (15 ms per request instead of ~1 s) ----
mkdir -p "$lab/etc/keystone"
cat > "$lab/etc/keystone/keystone.conf" <<C
[DEFAULT]
log_file = $lab/logs/keystone.log
[database]
connection = $db/keystone
[token]
provider = fernet
expiration = ${OSLAB_TOKEN_EXPIRATION:-3600}
[fernet_tokens]
key_repository = $lab/fernet
[credential]
key_repository = $lab/credential
[cache]
enabled = true
backend = dogpile.cache.memory
C
keystone_manage() { keystone-manage --config-file "$lab/etc/keystone/keystone.conf" "$@" >> "$lab/logs/keystone-manage.log" 2>&1; }
keystone_manage db_sync
keystone_manage fernet_setup --keystone-user root --keystone-group root
keystone_manage credential_setup --keystone-user root --keystone-group root
(
  export OS_BOOTSTRAP_PASSWORD=$admin_password  # keystone-manage reads it from here when --bootstrap-password is absent
  keystone-manage --config-file "$lab/etc/keystone/keystone.conf" bootstrap --bootstrap-region-id RegionOne \
    --bootstrap-public-url http://127.0.0.1:5000/v3/ --bootstrap-internal-url http://127.0.0.1:5000/v3/ \
    --bootstrap-admin-url http://127.0.0.1:5000/v3/ > "$lab/logs/keystone-bootstrap.log" 2>&1
)
# uwsgi's --http-socket resets a connection now and then unless each response closes it.
uwsgi_app() { # uwsgi_app <name> <port> <wsgi file> [env...]
  local name=$1 port=$2 file=$3; shift 3
  nohup env "$@" uwsgi --plugin python3 --http-socket "127.0.0.1:$port" --wsgi-file "$file" --master --processes 1 \
    --threads 4 --die-on-term --buffer-size 65535 --add-header "Connection: close" > "$lab/logs/$name-uwsgi.log" 2>&1 &
  remember "$name" $!
}
uwsgi_app keystone 5000 /usr/bin/keystone-wsgi-public OS_KEYSTONE_CONFIG_DIR="$lab/etc/keystone"
wait_for Keystone 60 curl -sf http://127.0.0.1:5000/v3
# A second Keystone on the same database and Fernet keys whose tokens live only OSLAB_SHORT_TOKEN_SECONDS: the tests
# get real tokens that expire mid-run there, while the services keep using normal ones from port 5000.
mkdir -p "$lab/etc/keystone-short"
sed -e "s/^expiration = .*/expiration = ${OSLAB_SHORT_TOKEN_SECONDS:-20}/" -e "s|/keystone.log|/keystone-short.log|" \
  "$lab/etc/keystone/keystone.conf" > "$lab/etc/keystone-short/keystone.conf"
uwsgi_app keystone-short 5001 /usr/bin/keystone-wsgi-public OS_KEYSTONE_CONFIG_DIR="$lab/etc/keystone-short"
wait_for "Keystone (short tokens)" 60 curl -sf http://127.0.0.1:5001/v3
printf '%s\n%s\n' "$admin_password" "$service_password" | $py "$here/register.py" > "$lab/logs/register.log" 2>&1
say "Keystone up, catalog registered"

# ---- service configuration ----
keystone_authtoken() { cat <<C
[keystone_authtoken]
www_authenticate_uri = http://127.0.0.1:5000
auth_url = http://127.0.0.1:5000
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $1
password = $service_password
service_token_roles_required = true
C
}
service_client() { # service_client <section> <user>: credentials one service uses to call another
  cat <<C
[$1]
auth_url = http://127.0.0.1:5000
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $2
password = $service_password
C
}
paste=$cache/x/usr/share
mkdir -p "$lab/etc/placement" "$lab/state/glance/images" "$lab/state/glance/staging" "$lab/state/glance/tasks"
{ printf '[DEFAULT]\nlog_file = %s\n[api]\nauth_strategy = keystone\n[placement_database]\nconnection = %s/placement\n' \
    "$lab/logs/placement.log" "$db"; keystone_authtoken placement; } > "$lab/etc/placement/placement.conf"

{ cat <<C
[DEFAULT]
bind_host = 127.0.0.1
bind_port = 9292
workers = 1
log_file = $lab/logs/glance-api.log
enabled_backends = fs:file
[database]
connection = $db/glance
[paste_deploy]
flavor = keystone
config_file = $paste/glance-common/glance-api-paste.ini
[glance_store]
default_backend = fs
[fs]
filesystem_store_datadir = $lab/state/glance/images/
# Glance sets its own umask (027); image files are made owner-only explicitly.
filesystem_store_file_perm = 600
[os_glance_staging_store]
filesystem_store_datadir = $lab/state/glance/staging/
[os_glance_tasks_store]
filesystem_store_datadir = $lab/state/glance/tasks/
[oslo_concurrency]
lock_path = $lab/locks
C
keystone_authtoken glance; } > "$lab/etc/glance-api.conf"

{ cat <<C
[DEFAULT]
core_plugin = ml2
service_plugins = router
transport_url = $mq
auth_strategy = keystone
bind_host = 127.0.0.1
bind_port = 9696
api_workers = 1
rpc_workers = 1
rpc_state_report_workers = 0
api_paste_config = $paste/neutron-common/api-paste.ini
state_path = $lab/state/neutron
notify_nova_on_port_status_changes = true
notify_nova_on_port_data_changes = true
[database]
connection = $db/neutron
[oslo_concurrency]
lock_path = $lab/locks
[ml2]
type_drivers = flat,vxlan
tenant_network_types = vxlan
mechanism_drivers = openvswitch
extension_drivers = port_security
[ml2_type_flat]
flat_networks = physnet1
[ml2_type_vxlan]
vni_ranges = 1:1000
C
keystone_authtoken neutron; service_client nova nova; } > "$lab/etc/neutron.conf"

{ cat <<C
[DEFAULT]
transport_url = $mq
my_ip = 127.0.0.1
host = $(hostname)
compute_driver = fake.FakeDriver
enabled_apis = osapi_compute
osapi_compute_listen = 127.0.0.1
osapi_compute_workers = 1
state_path = $lab/state/nova
instances_path = $lab/state/nova/instances
use_rootwrap_daemon = false
[wsgi]
api_paste_config = $paste/nova-common/api-paste.ini
[api]
auth_strategy = keystone
[api_database]
connection = $db/nova_api
[database]
connection = $db/nova
[conductor]
workers = 1
[scheduler]
workers = 1
discover_hosts_in_cells_interval = 10
[filter_scheduler]
enabled_filters = ComputeFilter,ComputeCapabilitiesFilter,ImagePropertiesFilter
[vnc]
enabled = false
[oslo_concurrency]
lock_path = $lab/locks
[cinder]
os_region_name = RegionOne
C
keystone_authtoken nova
service_client placement placement; echo "region_name = RegionOne"
service_client neutron neutron; echo "region_name = RegionOne"
# Without a service token Nova's detach waits forever on Cinder ("detaching").
service_client service_user nova; echo "send_service_user_token = true"
} > "$lab/etc/nova.conf"

mkdir -p "$lab/etc/cinder"
cp "$cache/x/etc/cinder/resource_filters.json" "$lab/etc/cinder/"
{ cat <<C
[DEFAULT]
transport_url = $mq
auth_strategy = keystone
my_ip = 127.0.0.1
osapi_volume_listen = 127.0.0.1
osapi_volume_workers = 1
api_paste_config = $paste/cinder-common/api-paste.ini
resource_query_filters_file = $lab/etc/cinder/resource_filters.json
state_path = $lab/state/cinder
enabled_backends = fake
default_volume_type = __DEFAULT__
[fake]
volume_driver = cinder.tests.fake_driver.FakeLoggingVolumeDriver
volume_backend_name = fake
[database]
connection = $db/cinder
[oslo_concurrency]
lock_path = $lab/locks
C
keystone_authtoken cinder; } > "$lab/etc/cinder/cinder.conf"

# ---- schema migrations (the console scripts are in the service packages; call the Python entry points) ----
python_main() { local name=$1 module=$2; shift 2
  $py -c "import sys; sys.argv[0] = '$name'; from $module import main; sys.exit(main())" "$@"; }
nova_conf=(--config-file "$lab/etc/nova.conf")
{
  placement-manage --config-file "$lab/etc/placement/placement.conf" db sync
  python_main glance-manage glance.cmd.manage --config-file "$lab/etc/glance-api.conf" db_sync
  python_main neutron-db-manage neutron.db.migration.cli --config-file "$lab/etc/neutron.conf" upgrade heads
  python_main nova-manage nova.cmd.manage "${nova_conf[@]}" api_db sync
  # Without --database_connection (it would put the password on the command line) cell0 is [database]/connection + _cell0.
  python_main nova-manage nova.cmd.manage "${nova_conf[@]}" cell_v2 map_cell0
  python_main nova-manage nova.cmd.manage "${nova_conf[@]}" cell_v2 create_cell --name cell1
  python_main nova-manage nova.cmd.manage "${nova_conf[@]}" db sync
  python_main cinder-manage cinder.cmd.manage --config-file "$lab/etc/cinder/cinder.conf" db sync
} > "$lab/logs/migrations.log" 2>&1
say "schemas migrated"

# ML2/openvswitch binds ports only to hosts with a live Open vSwitch agent; there is none, so record one whose
# heartbeat lies far in the future.
sql neutron -e "INSERT INTO agents (id, agent_type, \`binary\`, topic, host, admin_state_up, created_at, started_at,
  heartbeat_timestamp, configurations, \`load\`, resources_synced) VALUES (UUID(), 'Open vSwitch agent',
  'neutron-openvswitch-agent', 'N/A', '$(hostname)', 1, NOW(), NOW(), '2099-01-01 00:00:00',
  '{\"bridge_mappings\": {\"physnet1\": \"br-ex\"}, \"tunnel_types\": [\"vxlan\"], \"integration_bridge\": \"br-int\",
  \"ovs_hybrid_plug\": false, \"datapath_type\": \"system\", \"ovs_capabilities\": {\"datapath_types\": [\"system\"],
  \"iface_types\": [\"internal\"]}}', 0, 1)"

# ---- services ----
service() { # service <name> <module> <args...>
  local name=$1 module=$2; shift 2
  nohup $py -c "import sys; sys.argv[0] = '$name'; from $module import main; sys.exit(main())" "$@" \
    --log-file "$lab/logs/$name.log" > "$lab/logs/$name.out" 2>&1 &
  remember "$name" $!
}
uwsgi_app placement 8778 /usr/bin/placement-api OS_PLACEMENT_CONFIG_DIR="$lab/etc/placement"
service glance-api glance.cmd.api --config-file "$lab/etc/glance-api.conf"
service neutron-server neutron.cmd.eventlet.server --config-file "$lab/etc/neutron.conf"
for part in api conductor scheduler compute; do service "nova-$part" "nova.cmd.$part" "${nova_conf[@]}"; done
for part in api scheduler volume; do service "cinder-$part" "cinder.cmd.$part" --config-file "$lab/etc/cinder/cinder.conf"; done
for port in 8778 9292 9696 8774 8776; do wait_for "the API on port $port" 180 curl -s -o /dev/null "http://127.0.0.1:$port/"; done
# A bad config value makes some services exit quietly: check every PID is still alive.
sleep 3
for pidfile in "$lab"/pids/*; do
  kill -0 "$(cat "$pidfile")" 2>/dev/null || { echo "oslab: $(basename "$pidfile") died; see $lab/logs" >&2; exit 1; }
done
# Map the fake compute host into cell1 so servers can be scheduled.
for _ in $(seq 60); do
  python_main nova-manage nova.cmd.manage "${nova_conf[@]}" cell_v2 discover_hosts >/dev/null 2>&1 || true
  [ "$(sql nova_api -Nse 'SELECT COUNT(*) FROM host_mappings')" != 0 ] && break
  sleep 2
done
say "all services up: $(cd "$lab/pids" && echo *)"
