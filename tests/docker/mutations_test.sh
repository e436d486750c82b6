#!/usr/bin/env bash
# dockerfile_test.py must catch a broken Dockerfile: each case copies the real
# Dockerfile, breaks one thing with sed, and expects that check to fail with
# the given message (so the checker cannot pass by not looking).
set -euo pipefail
src=$1 build=$2
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

expect_fail() {  # check, message, sed expression (or "rm-ignore")
  local check=$1 message=$2 edit=$3
  rm -rf "$dir/src" && mkdir -p "$dir/src/scripts"
  cp "$src/Dockerfile" "$src/.dockerignore" "$dir/src/"
  cp "$src/scripts/install-deps.sh" "$dir/src/scripts/"
  if [ "$edit" = rm-ignore ]; then rm "$dir/src/.dockerignore"; else
    sed -i -e "$edit" "$dir/src/Dockerfile"
    cmp -s "$src/Dockerfile" "$dir/src/Dockerfile" && { echo "FAIL: '$edit' changed nothing"; exit 1; }
  fi
  if out=$(timeout 120 python3 "$here/dockerfile_test.py" "$dir/src" "$build" "$check" 2>&1); then
    echo "FAIL: $check passed with '$edit'"; echo "$out"; exit 1
  fi
  grep -qF -- "$message" <<<"$out" || { echo "FAIL: $check: no '$message' in:"; echo "$out"; exit 1; }
  echo "caught: $message"
}

expect_fail packages "libsodium24 (stage debian:12-slim) is not in the Debian 12 archive" \
  's/libsodium23/libsodium24/'
expect_fail build-deps "only in install-deps.sh ['libcli11-dev']" 's/ libcli11-dev//'
expect_fail libs "needs libfmt.so.9 from libfmt9" 's/ libfmt9//'
expect_fail install "does not produce /out/bin/corectl2" 's|/out/bin/corectl|/out/bin/corectl2|'
expect_fail install "does not exclude the build directory build" rm-ignore
expect_fail runtime "HEALTHCHECK ['corectl', 'stat'] fails against the running ENTRYPOINT" 's/"status"/"stat"/'
expect_fail runtime "ENTRYPOINT hypercore is not an installed binary" 's/\["hypercored"\]/["hypercore"]/'
expect_fail runtime "USER nobody is not created by a useradd line" 's/^USER .*/USER nobody/'
expect_fail runtime "ENV HYPERCORED_SOCKET is not set" 's/HYPERCORED_SOCKET=/HYPERCORED_SOCKETX=/'
expect_fail runtime "socket directory /run/hypercored is not made" 's| /run/hypercored$||'
echo ok
