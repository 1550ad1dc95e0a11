#!/usr/bin/env bash
# A private PostgreSQL 15 cluster for the tests (docs/postgresql.md), on 127.0.0.1 only.
#
#   scripts/postgres-test-cluster.sh start DIR [PORT]   initdb in DIR (when empty), start, create backupboard_test;
#                                                       prints the URL for BACKUPBOARD_TEST_POSTGRES_URL
#   scripts/postgres-test-cluster.sh stop DIR           stop it (DIR stays; delete it yourself)
#
# As root the server runs as the postgres user (initdb refuses root). Needs Debian's postgresql package.
set -euo pipefail

action=${1:-}
dir=${2:-}
port=${3:-55432}
pgbin=${PGBIN:-/usr/lib/postgresql/15/bin}
if [ -z "$action" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|stop DIR [PORT]" >&2
  exit 2
fi
if [ ! -x "$pgbin/initdb" ]; then
  echo "$0: no PostgreSQL 15 server in $pgbin: install it with 'sudo apt-get install -y postgresql'" >&2
  exit 1
fi

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$action" in
start)
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_owner "$pgbin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      exit 1
    }
  fi
  as_owner "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=500 -c fsync=on" start >/dev/null || {
    cat "$dir/server.log" >&2
    exit 1
  }
  as_owner "$pgbin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAt \
    -c "SELECT 1 FROM pg_database WHERE datname = 'backupboard_test'" | grep -q 1 ||
    as_owner "$pgbin/createdb" -h 127.0.0.1 -p "$port" -U postgres backupboard_test
  echo "postgres://postgres@127.0.0.1:$port/backupboard_test"
  ;;
stop)
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$pgbin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
  fi
  ;;
*)
  echo "usage: $0 start|stop DIR [PORT]" >&2
  exit 2
  ;;
esac
