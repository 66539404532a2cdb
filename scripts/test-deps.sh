#!/usr/bin/env bash
# Installs what the tests need beyond Go and a C compiler: Debian's chromium
# for the chat page's browser test, and Debian's clickhouse-server (18.16)
# for the two-node cluster test (server/chclustertest starts and stops the
# servers itself; the package's own service is never started). Idempotent;
# a no-op when both are present.
set -euo pipefail
want=()
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || want+=(chromium fonts-noto-cjk)
command -v clickhouse-server >/dev/null 2>&1 || want+=(clickhouse-server)
if [ ${#want[@]} = 0 ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null 2>&1; then
  echo "test-deps: missing ${want[*]} and I am not root; install these Debian packages." >&2
  echo "test-deps: (CHATBI_SKIP_BROWSER=1 skips the browser test; the ClickHouse cluster test fails without clickhouse-server)" >&2
  exit 0
fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
echo "test-deps: installing ${want[*]}" >&2
# Another install may hold apt's locks (an unattended upgrade, a parallel
# job): wait for it rather than fail. DPkg::Lock::Timeout covers dpkg's lock;
# the package lists' lock is retried.
for i in $(seq 1 60); do
  if $SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null 2>&1; then break; fi
  [ "$i" = 60 ] && { echo "test-deps: apt-get update kept failing (lock held?)" >&2; exit 1; }
  echo "test-deps: apt is busy, waiting…" >&2
  sleep 5
done
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${want[@]}" >/dev/null
