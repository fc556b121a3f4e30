#!/usr/bin/env bash
# Three `wuzha serve` behind HAProxy on one MariaDB database and a Redis,
# all on 127.0.0.1; a timed load of attempt starts and submissions through
# HAProxy during which one instance is killed with SIGKILL and started
# again; then the checks of internal/clusterproof. Exits non-zero when a
# check fails; stops everything it started and removes its folders.
#
#   make proof-haproxy
#   PROOF_MYSQL='mysql://root@tcp(127.0.0.1:3306)/' .ci/cluster/haproxy-proof.sh
#
# PROOF_MYSQL names a MariaDB/MySQL server (a fresh database is made there
# and dropped afterwards); PROOF_DURATION, PROOF_CLIENTS, PROOF_KILL_AFTER
# and PROOF_BASE_PORT tune the run.
source "$(dirname "$0")/lib.sh"

SERVER=${PROOF_MYSQL:-mysql://root@tcp(127.0.0.1:3306)/}
SERVER=${SERVER%%\?*}
apt_install haproxy redis-server curl
for p in $LB_PORT $((BASE_PORT + 1)) $((BASE_PORT + 2)) $((BASE_PORT + 3)); do need_port_free "$p"; done
build

DB=wuzha_proof_$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')
# The server's host and port, for the mariadb client.
HOSTPORT=$(sed -E 's/.*tcp\(([^)]*)\).*/\1/' <<<"$SERVER")
USERPASS=$(sed -E 's#^mysql://([^@]*)@.*#\1#' <<<"$SERVER")
MYSQL_ARGS=(-h "${HOSTPORT%:*}" -P "${HOSTPORT##*:}" -u "${USERPASS%%:*}")
[[ $USERPASS == *:* ]] && MYSQL_ARGS+=(-p"${USERPASS#*:}")
mariadb "${MYSQL_ARGS[@]}" -e "CREATE DATABASE $DB CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
CLEANUPS+=("mariadb ${MYSQL_ARGS[*]} -e 'DROP DATABASE IF EXISTS $DB'")
DSN="${SERVER%/}/$DB"
log "fresh database $DB on $HOSTPORT"

start_redis
secrets
log "migrating and seeding"
WUZHA_DB_DSN=$DSN "$WORK/wuzha" migrate 2>>"$WORK/setup.log"
WUZHA_DB_DSN=$DSN "$WORK/wuzha" seed 2>>"$WORK/setup.log"
for n in 1 2 3; do start_instance $n "$DSN"; done
for n in 1 2 3; do wait_ready $((BASE_PORT + n)); done
start_haproxy
log "three instances behind HAProxy on 127.0.0.1:$LB_PORT; load average $(cut -d' ' -f1-3 /proc/loadavg)"

kill_and_restart() {
  log "SIGKILL instance 2 (pid ${INST_PIDS[2]})"
  kill -9 "${INST_PIDS[2]}"
  wait "${INST_PIDS[2]}" 2>/dev/null || true
  sleep 3
  log "starting instance 2 again"
  start_instance 2 "$DSN"
  wait_ready $((BASE_PORT + 2))
  log "instance 2 is ready again"
}

run_driver "haproxy + MariaDB $(mariadb "${MYSQL_ARGS[@]}" -N -e 'SELECT VERSION()')" "$DSN" kill_and_restart
