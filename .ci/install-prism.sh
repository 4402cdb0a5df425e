#!/usr/bin/env bash
# Install Prism (@stoplight/prism-cli), the mock server tests/agent/providers/test_github_against_prism.py
# runs GitHub's OpenAPI description with, into .cache/prism (gitignored; PRISM_DIR overrides). Needs node
# and npm. Idempotent: when the pinned version is already there it returns at once without touching npm.
set -euo pipefail
cd "$(dirname "$0")/.."

version=5.14.2
dir="${PRISM_DIR:-.cache/prism}"
prism="$dir/node_modules/.bin/prism"

if [ -x "$prism" ] && [ "$("$prism" --version 2>/dev/null)" = "$version" ]; then
    echo "install-prism: prism $version already installed in $dir"
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "install-prism: npm is needed (apt-get install nodejs npm) to install @stoplight/prism-cli@$version" >&2
    exit 1
fi
echo "install-prism: installing @stoplight/prism-cli@$version into $dir"
mkdir -p "$dir"
npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "@stoplight/prism-cli@$version" >/dev/null
echo "install-prism: done ($("$prism" --version))"
