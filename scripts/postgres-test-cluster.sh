#!/usr/bin/env bash
# A private PostgreSQL 15 cluster for the tests (docs/postgresql.md), on 127.0.0.1 only.
#
#   scripts/postgres-test-cluster.sh start DIR [PORT] [--tls] [--fsync-off]
#                                   initdb in DIR (when empty), start, create backupboard_test; prints the URL for
#                                   BACKUPBOARD_TEST_POSTGRES_URL. --tls: a CA (DIR/ca.crt) and a server certificate
#                                   for 127.0.0.1 and localhost made with openssl, and TCP connections only over TLS.
#                                   --fsync-off: a server backupboard must refuse (docs/postgresql.md).
#   scripts/postgres-test-cluster.sh stop DIR           stop it (DIR stays; delete it yourself)
#
# As root the server runs as the postgres user (initdb refuses root). Needs Debian's postgresql package.
set -euo pipefail

action=${1:-}
dir=${2:-}
port=55432
case "${3:-}" in '' | --*) ;; *) port=$3 ;; esac
tls=false
fsync=on
for option in "${@:3}"; do
  case "$option" in
  --tls) tls=true ;;
  --fsync-off) fsync=off ;;
  --* ) echo "$0: unknown option $option" >&2; exit 2 ;;
  esac
done
pgbin=${PGBIN:-/usr/lib/postgresql/15/bin}
if [ -z "$action" ] || [ -z "$dir" ]; then
  echo "usage: $0 start DIR [PORT] [--tls] [--fsync-off] | stop DIR" >&2
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
  options="-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=500 -c fsync=$fsync"
  if $tls; then
    if [ ! -f "$dir/server.crt" ]; then
      (
        cd "$dir"
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=backupboard test CA" \
          -keyout ca.key -out ca.crt 2>/dev/null
        openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout server.key -out server.csr 2>/dev/null
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >server.ext
        openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext \
          -out server.crt 2>/dev/null
        chmod 600 server.key
        if [ "$(id -u)" -eq 0 ]; then chown postgres: server.key server.crt; fi
      )
    fi
    # TCP only with TLS; the socket in DIR (createdb below goes over TCP too, so it uses TLS) stays as it is.
    printf 'local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\n' \
      >"$dir/data/pg_hba.conf"
    options="$options -c ssl=on -c ssl_cert_file=$dir/server.crt -c ssl_key_file=$dir/server.key"
  fi
  # The server outlives this script: it must not keep open a descriptor it was handed by chance (a test process
  # that starts it may hold, for a moment, the writing end of a pipe another test reads a command's output
  # from, and a server holding it keeps that reader waiting for ever).
  for fd in /proc/$$/fd/*; do
    fd=${fd##*/}
    if [ "$fd" -gt 2 ] && [ "$fd" -ne 255 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
  done
  as_owner "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$options" start >/dev/null </dev/null || {
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
  echo "usage: $0 start DIR [PORT] [--tls] [--fsync-off] | stop DIR" >&2
  exit 2
  ;;
esac
