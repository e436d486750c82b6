#!/usr/bin/env bash
# The control socket's permissions: mode 0600 in the daemon's own group by
# default; with --socket-group (or HYPERCORED_SOCKET_GROUP, or "socket_group"
# in the config file) mode 0660 in that group, so that a user in the group
# can connect and one outside it cannot. A group that does not exist ends
# start-up with a one-line error. Runs as root (it gives sockets away).
set -euo pipefail
bin=$1
if [ "$(id -u)" != 0 ]; then echo "FAIL: needs root to give the socket to other groups"; exit 1; fi
dir=$(mktemp -d)
pid=
cleanup() {
  # $pid is `timeout`: TERM is forwarded to the daemon, -k KILLs it 5 s later.
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; cat "$dir/log" 2>/dev/null || true; exit 1; }
unset HYPERCORED_SOCKET_GROUP HYPERCORED_CONFIG CONFIGURATION_DIRECTORY HYPERCORED_SOCKET
# Other users must be able to reach the socket file for the access checks.
chmod 0711 "$dir"
sock=$dir/control.sock

# start [VAR=value...] -- ARGS...: runs the daemon until it listens.
start() {
  local envs=()
  while [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  : >"$dir/log"  # no line from the last run may count
  env "${envs[@]}" timeout -k 5 30 "$bin" --data-dir "$dir/data" --socket "$sock" "$@" \
    2>"$dir/log" &
  pid=$!
  for _ in $(seq 200); do grep -q "listening on" "$dir/log" && break; sleep 0.05; done
  grep -q "listening on" "$dir/log" || fail "daemon did not start listening ($*)"
}
stop() {
  kill -TERM "$pid"
  wait "$pid" || fail "exit status $? after SIGTERM"
  pid=
}
# expect MODE GROUP: the socket's mode and group.
expect() {
  local got
  got=$(stat -c '%a %G' "$sock")
  [ "$got" = "$1 $2" ] || fail "socket is '$got', not '$1 $2'"
}
# connects AS_GROUPS: exit status of daemon.status as user nobody with those
# supplementary groups (comma-separated gids, or "" for none); 3: refused.
# Debian's python3: nobody cannot run one installed under /root.
python=/usr/bin/python3
[ -x "$python" ] || fail "$python is needed (apt-get install python3)"
connects() {
  local groups=(--clear-groups)
  [ -z "$1" ] || groups=(--groups "$1")
  timeout 10 setpriv --reuid=nobody --regid=nogroup "${groups[@]}" "$python" - "$sock" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
try:
    s.connect(sys.argv[1])
except PermissionError:
    sys.exit(3)
s.sendall(b'{"jsonrpc":"2.0","id":1,"method":"daemon.status"}\n')
assert "result" in json.loads(s.makefile("rb").readline())
PY
}
adm=$(getent group adm | cut -d: -f3)
daemon_gid=$(getent group daemon | cut -d: -f3)
[ -n "$adm" ] && [ -n "$daemon_gid" ] || fail "groups adm and daemon are needed"

# Default: 0600, the daemon's group; nobody else gets in, even in group adm.
start --
expect 600 "$(id -gn)"
status=0; connects "$adm" || status=$?
[ "$status" = 3 ] || fail "a user in group adm got past a 0600 socket (status $status)"
stop

# --socket-group adm: 0660 in adm; members connect, others do not.
start -- --socket-group adm
expect 660 adm
connects "$adm" || fail "a member of group adm cannot connect"
status=0; connects "" || status=$?
[ "$status" = 3 ] || fail "a user outside group adm connected (status $status)"
stop

# The environment variable and the config file set it too; the flag wins.
start HYPERCORED_SOCKET_GROUP=daemon --
expect 660 daemon
stop
echo '{"socket_group": "adm"}' >"$dir/config.json"
start -- --config "$dir/config.json"
expect 660 adm
stop
start -- --config "$dir/config.json" --socket-group daemon
expect 660 daemon
stop

# A group that does not exist: one line, exit 1, no socket left behind.
status=0
timeout 10 "$bin" --data-dir "$dir/data" --socket "$sock" --socket-group no-such-group-hc \
  2>"$dir/log" || status=$?
[ "$status" = 1 ] || fail "exit status $status for a missing group"
[ "$(wc -l <"$dir/log")" = 1 ] || fail "not one line of error"
grep -q 'socket group "no-such-group-hc" does not exist' "$dir/log" || fail "no reason given"
[ ! -e "$sock" ] || fail "socket left behind"
echo "ok"
