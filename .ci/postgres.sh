#!/usr/bin/env bash
# Throwaway PostgreSQL cluster for the tests: initdb + pg_ctl in a temp dir, loopback port, no systemd.
#   .ci/postgres.sh start DIR   → prints the server URL (postgres://postgres@127.0.0.1:PORT/postgres)
#   .ci/postgres.sh stop DIR    → stops the server and removes DIR
# initdb refuses to run as root: as root the cluster runs as the "postgres" user (created if missing).
set -euo pipefail
cmd="${1:?start|stop}"
dir="${2:?directory}"

find_bin() {
  command -v "$1" 2>/dev/null && return 0
  ls /usr/lib/postgresql/*/bin/"$1" 2>/dev/null | sort -V | tail -n 1
}
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_ctl_bin="$(find_bin pg_ctl || true)"
case "$cmd" in
  start)
    initdb_bin="$(find_bin initdb || true)"
    if [ -z "$initdb_bin" ] || [ -z "$pg_ctl_bin" ]; then
      echo "không tìm thấy initdb/pg_ctl (cài gói postgresql)" >&2
      exit 3
    fi
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then
      id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
      chown postgres "$dir"
      chmod a+x "$(dirname "$dir")"  # the postgres user must reach DIR
    fi
    as_pg "$initdb_bin" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 4; }
    port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
    # fsync off: a test cluster is thrown away, durability is not what is tested.
    as_pg "$pg_ctl_bin" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 5; }
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    if [ -n "$pg_ctl_bin" ] && [ -d "$dir/data" ]; then
      as_pg "$pg_ctl_bin" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
