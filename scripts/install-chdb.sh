#!/usr/bin/env bash
# Installs chDB (the ClickHouse engine as a library) for the ClickHouse
# dialect's tests: libchdb.so from the npm package
# @chdb/lib-linux-x64-gnu, which needs only an npm registry (chdb-go's own
# install script downloads from GitHub, which this project cannot assume). Idempotent: a no-op when the library is already there.
# Prints the library's path; tests find it through CHDB_LIB_PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=26.7.3-stable.1
DIR=.cache/chdb/$VERSION
LIB=$DIR/libchdb.so
if [ -s "$LIB" ]; then
  echo "$PWD/$LIB"
  exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "install-chdb: npm is needed to fetch @chdb/lib-linux-x64-gnu" >&2; exit 1; }
mkdir -p "$DIR"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
echo "install-chdb: fetching @chdb/lib-linux-x64-gnu@$VERSION (~180 MB)" >&2
(cd "$TMP" && npm pack --silent "@chdb/lib-linux-x64-gnu@$VERSION" >/dev/null)
tar -xzf "$TMP"/chdb-lib-linux-x64-gnu-*.tgz -C "$TMP" package/libchdb.so
mv "$TMP/package/libchdb.so" "$LIB.part"
mv "$LIB.part" "$LIB"
echo "$PWD/$LIB"
