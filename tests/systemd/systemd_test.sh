#!/usr/bin/env bash
# The systemd files as `cmake --install` lays them out (into a DESTDIR): the
# unit's ExecStart= is the installed hypercored; `systemd-analyze verify`
# accepts the unit without a word (unknown directives only warn, so any output
# fails); systemd-sysusers makes user and group hypercored; systemd-tmpfiles
# makes /etc/hypercored root:hypercored 0750; and `systemd-analyze security`
# rates the unit's exposure at most 2.0. All against --root=<DESTDIR>: no
# running systemd is needed (this runs in containers without one).
set -euo pipefail
build=$1 bindir=$2 prefix=$3
for tool in systemd-analyze systemd-sysusers systemd-tmpfiles; do
  command -v "$tool" >/dev/null ||
    { echo "FAIL: $tool not found: install Debian's systemd package (scripts/install-deps.sh --node)"; exit 1; }
done
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
root=$dir/root
fail() { echo "FAIL: $*"; exit 1; }

DESTDIR=$root timeout 60 cmake --install "$build" >"$dir/log" 2>&1 ||
  { cat "$dir/log"; fail "cmake --install"; }
unit=$root$prefix/lib/systemd/system/hypercored.service
[ -f "$unit" ] || fail "no unit at $unit"
[ -f "$root$prefix/lib/sysusers.d/hypercored.conf" ] || fail "no sysusers.d file"
[ -f "$root$prefix/lib/tmpfiles.d/hypercored.conf" ] || fail "no tmpfiles.d file"
[ -x "$root$bindir/corectl" ] || fail "corectl not installed in $bindir"
exec_start=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
[ "$exec_start" = "$bindir/hypercored" ] || fail "ExecStart=$exec_start, not $bindir/hypercored"
[ -x "$root$exec_start" ] || fail "ExecStart=$exec_start is not installed"
if grep -q '@[A-Z_]*@' "$unit"; then fail "an unconfigured @VAR@ is left in the unit"; fi

# The units the default dependencies name (sysinit.target, ...), under the root.
mkdir -p "$root/usr/lib/systemd" "$root/etc"
cp -rn /usr/lib/systemd/system "$root/usr/lib/systemd/"

timeout 60 systemd-sysusers --root="$root" >/dev/null 2>"$dir/err" || { cat "$dir/err"; fail "systemd-sysusers"; }
if grep -v '^Creating ' "$dir/err"; then fail "systemd-sysusers complained"; fi
grep -q '^hypercored:x:[0-9]*:[0-9]*:.*:/var/lib/hypercored:/usr/sbin/nologin$' "$root/etc/passwd" ||
  fail "no user hypercored: $(cat "$root/etc/passwd")"
gid=$(sed -n 's/^hypercored:x:\([0-9]*\):.*/\1/p' "$root/etc/group")
[ -n "$gid" ] || fail "no group hypercored"

timeout 60 systemd-tmpfiles --root="$root" --create 2>"$dir/err" || { cat "$dir/err"; fail "systemd-tmpfiles"; }
[ ! -s "$dir/err" ] || { cat "$dir/err"; fail "systemd-tmpfiles complained"; }
[ "$(stat -c '%a %u %g' "$root/etc/hypercored")" = "750 0 $gid" ] ||
  fail "/etc/hypercored is $(stat -c '%a %u %g' "$root/etc/hypercored"), not 750 0 $gid"

out=$(timeout 60 systemd-analyze verify --root="$root" hypercored.service 2>&1) ||
  fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify warns: $out"

report=$(timeout 60 systemd-analyze security --offline=true --root="$root" hypercored.service 2>&1) ||
  fail "systemd-analyze security: $report"
exposure=$(sed -n 's/.*Overall exposure level for hypercored.service: \([0-9.]*\).*/\1/p' <<<"$report")
[ -n "$exposure" ] || fail "no exposure in: $report"
echo "exposure $exposure"
awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }' ||
  { grep '✗' <<<"$report"; fail "exposure $exposure is above 2.0"; }
echo "ok"
