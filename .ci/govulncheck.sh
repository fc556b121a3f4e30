#!/usr/bin/env bash
# govulncheck: fail on any known vulnerability that wuzha's code can reach,
# in its modules or in the Go standard library of the toolchain that builds it.
#
# The tool comes from the Go module proxy at a pinned version. Its database is
# the golang.org/x/vulndb module (also from the proxy): its data/osv folder is
# a flat list of OSV entries that `govulncheck -db file://…` reads directly.
# The newest snapshot is used unless WUZHA_VULNDB_VERSION pins one.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"
GO="${GO:-go}"
GOVULNCHECK_VERSION="${GOVULNCHECK_VERSION:-v1.9.0}"
VULNDB_VERSION="${WUZHA_VULNDB_VERSION:-latest}"

tools="$PWD/bin/tools"
mkdir -p "$tools"
if [ ! -x "$tools/govulncheck" ] || ! "$tools/govulncheck" -version 2>/dev/null | grep -q "govulncheck@$GOVULNCHECK_VERSION"; then
  GOBIN="$tools" "$GO" install "golang.org/x/vuln/cmd/govulncheck@$GOVULNCHECK_VERSION"
fi

# go mod download outside this module, so go.mod and go.sum stay as they are.
info=$(cd "$(mktemp -d)" && "$GO" mod download -json "golang.org/x/vulndb@$VULNDB_VERSION")
dir=$(printf '%s\n' "$info" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
version=$(printf '%s\n' "$info" | sed -n 's/^[[:space:]]*"Version": "\(.*\)",$/\1/p')
if [ -z "$dir" ] || [ ! -d "$dir/data/osv" ]; then
  echo "govulncheck: could not get the golang.org/x/vulndb module: $info" >&2
  exit 1
fi
echo "govulncheck $GOVULNCHECK_VERSION, $("$GO" version), vulndb $version ($(ls "$dir/data/osv" | wc -l) entries)"
# Exit status 3 means a reachable vulnerability was found.
"$tools/govulncheck" -db "file://$dir/data/osv" ./...
