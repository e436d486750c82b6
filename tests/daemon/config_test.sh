#!/usr/bin/env bash
# hypercored's settings: flag > environment variable > config file > default,
# for --config FILE, HYPERCORED_CONFIG, the default <data dir>/config.json and
# $CONFIGURATION_DIRECTORY/config.json (systemd); a missing explicit config
# file and a bad one (unknown key, wrong type, bad value, not JSON) end
# start-up with exit 1 and one line naming the file and the key. Also: the
# start-up log gives the core count at info and one line per core only at debug.
set -euo pipefail
bin=$1
dir=$(mktemp -d)
pid=
cleanup() {
  # $pid is `timeout`: TERM is forwarded to the daemon, -k KILLs it 5 s later.
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; cat "$dir/log" 2>/dev/null || true; exit 1; }

# Nothing from the caller's environment may choose a setting.
unset HYPERCORED_DATA_DIR HYPERCORED_SOCKET HYPERCORED_CONFIG HYPERCORED_LOG_LEVEL \
      HYPERCORED_DURABILITY HYPERCORED_SOCKET_GROUP CONFIGURATION_DIRECTORY XDG_RUNTIME_DIR
export HOME=$dir/home XDG_DATA_HOME=$dir/xdg

# serve [VAR=value...] -- ARGS...: runs the daemon with that environment until
# it listens, then stops it; $dir/log keeps its output, $sock where it listened.
serve() {
  local envs=()
  while [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  : >"$dir/log"  # no line from the last run may count
  env "${envs[@]}" timeout -k 5 30 "$bin" "$@" 2>"$dir/log" &
  pid=$!
  for _ in $(seq 200); do grep -q "listening on" "$dir/log" && break; sleep 0.05; done
  grep -q "listening on" "$dir/log" || fail "daemon did not start listening ($*)"
  sock=$(sed -n 's/.*listening on //p' "$dir/log")
  [ -S "$sock" ] || fail "no socket at $sock"
  [ -z "${on_serve:-}" ] || "$on_serve"
  kill -TERM "$pid"
  wait "$pid" || fail "exit status $? after SIGTERM"
  pid=
}
# refused WHAT [VAR=value...] -- ARGS...: the daemon must exit 1 at once with
# one line on stderr; the line is left in $dir/log.
refused() {
  local what=$1 envs=()
  shift
  while [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  local status=0
  env "${envs[@]}" timeout -k 5 10 "$bin" "$@" 2>"$dir/log" || status=$?
  [ "$status" = 1 ] || fail "$what: exit status $status, not 1"
  [ "$(wc -l <"$dir/log")" = 1 ] || fail "$what: not one line of error"
}
create_core() {
  timeout 10 python3 - "$sock" <<'PY' || fail "core.create"
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(b'{"jsonrpc":"2.0","id":1,"method":"core.create","params":{"name":"chat"}}\n')
assert "result" in json.loads(s.makefile("rb").readline())
PY
}

mkdir -p "$dir/cfg"
cat >"$dir/cfg/full.json" <<EOF
{"data_dir": "$dir/d1", "socket": "$dir/config.sock", "durability": "full", "log_level": "debug"}
EOF

# The config file sets everything; a core is made for the log checks below.
on_serve=create_core serve -- --config "$dir/cfg/full.json"
[ "$sock" = "$dir/config.sock" ] || fail "socket $sock, not the config file's"
grep -q "started: data dir $dir/d1, .*, 0 cores, durability full" "$dir/log" ||
  fail "data dir or durability not from the config file"
[ -s "$dir/d1/hypercored.db" ] || fail "no database in the config file's data dir"
grep -q "config file $dir/cfg/full.json" "$dir/log" || fail "config file not logged"

# HYPERCORED_CONFIG names it too; at debug there is one line per core.
serve HYPERCORED_CONFIG="$dir/cfg/full.json" --
[ "$sock" = "$dir/config.sock" ] || fail "HYPERCORED_CONFIG: socket $sock"
grep -q "\[debug\] core .* (chat) length 0" "$dir/log" || fail "no per-core line at debug"

# Environment beats the config file; a flag beats both.
serve HYPERCORED_SOCKET="$dir/env.sock" HYPERCORED_DURABILITY=normal -- --config "$dir/cfg/full.json"
[ "$sock" = "$dir/env.sock" ] || fail "environment did not beat the config file: $sock"
grep -q "durability normal" "$dir/log" || fail "HYPERCORED_DURABILITY did not beat the config file"
serve HYPERCORED_SOCKET="$dir/env.sock" -- --config "$dir/cfg/full.json" --socket "$dir/flag.sock" \
  --data-dir "$dir/d1"
[ "$sock" = "$dir/flag.sock" ] || fail "flag did not beat the environment: $sock"

# --log-level info beats the config's debug: the count, no line per core.
serve -- --config "$dir/cfg/full.json" --log-level info
grep -q "started: .*, 1 cores," "$dir/log" || fail "no core count at info"
if grep -q "(chat)" "$dir/log"; then fail "a per-core line at info"; fi
serve HYPERCORED_LOG_LEVEL=info -- --config "$dir/cfg/full.json"
if grep -q "(chat)" "$dir/log"; then fail "HYPERCORED_LOG_LEVEL did not beat the config file"; fi

# Defaults: without a config file the socket is <data dir>/hypercored.sock.
serve -- --data-dir "$dir/d2"
[ "$sock" = "$dir/d2/hypercored.sock" ] || fail "default socket $sock"
if grep -q "config file" "$dir/log"; then fail "a config file was read where there is none"; fi

# <data dir>/config.json is read when it exists ...
echo "{\"socket\": \"$dir/default.sock\"}" >"$dir/d2/config.json"
serve -- --data-dir "$dir/d2"
[ "$sock" = "$dir/default.sock" ] || fail "<data dir>/config.json not read: $sock"
serve HYPERCORED_DATA_DIR="$dir/d2" --
[ "$sock" = "$dir/default.sock" ] || fail "<data dir>/config.json not read with HYPERCORED_DATA_DIR"
# ... unless $CONFIGURATION_DIRECTORY/config.json exists ...
mkdir "$dir/etc"
serve CONFIGURATION_DIRECTORY="$dir/etc" -- --data-dir "$dir/d2"
[ "$sock" = "$dir/default.sock" ] || fail "empty \$CONFIGURATION_DIRECTORY hid <data dir>/config.json"
echo "{\"socket\": \"$dir/etc.sock\"}" >"$dir/etc/config.json"
serve CONFIGURATION_DIRECTORY="$dir/etc" -- --data-dir "$dir/d2"
[ "$sock" = "$dir/etc.sock" ] || fail "\$CONFIGURATION_DIRECTORY/config.json not read: $sock"
# ... and --config replaces the default.
serve -- --data-dir "$dir/d2" --config "$dir/cfg/full.json"
[ "$sock" = "$dir/config.sock" ] || fail "--config did not replace the default: $sock"

# A missing explicit config file is an error; so is any bad one.
refused "missing --config" -- --data-dir "$dir/d3" --config "$dir/cfg/missing.json"
grep -q "config file $dir/cfg/missing.json: does not exist" "$dir/log" || fail "missing: $(cat "$dir/log")"
[ ! -e "$dir/d3" ] || fail "data dir made before the config was checked"
refused "missing HYPERCORED_CONFIG" HYPERCORED_CONFIG="$dir/cfg/missing.json" -- --data-dir "$dir/d3"
grep -q "$dir/cfg/missing.json: does not exist" "$dir/log" || fail "missing env: $(cat "$dir/log")"

# bad NAME JSON PATTERN: a config file with JSON is refused with PATTERN.
bad() {
  printf '%s' "$2" >"$dir/cfg/$1.json"
  refused "$1" -- --data-dir "$dir/d3" --config "$dir/cfg/$1.json"
  grep -q "config file $dir/cfg/$1.json: $3" "$dir/log" || fail "$1: $(cat "$dir/log")"
}
bad unknown '{"socket": "/tmp/x.sock", "listen_on": 1}' 'unknown key "listen_on"'
bad type '{"durability": true}' '"durability" must be a string, not boolean'
bad value '{"log_level": "verbose"}' '"log_level" must be one of trace, debug, info, warn, error, not "verbose"'
bad empty '{"data_dir": ""}' '"data_dir" must not be empty'
bad json '{"socket": "/tmp/x.sock",,}' 'not valid JSON: parse error at line 1, column 26'
bad array '["socket"]' 'must be a JSON object, not array'
# Bad input in the default config file is an error too, and a flag for the
# same key does not hide it.
echo '{"durability": "fast"}' >"$dir/d2/config.json"
refused "bad default config" -- --data-dir "$dir/d2" --durability full
grep -q "config file $dir/d2/config.json: \"durability\" must be one of normal, full" "$dir/log" ||
  fail "bad default config: $(cat "$dir/log")"
echo "ok"
