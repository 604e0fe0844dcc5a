#!/usr/bin/env bash
# Installs code-server (= VS Code 1.100.3 as an npm package) for the end-to-end
# tests, offline: only the npm registry and Debian's apt repositories are used.
#
# usage: bash scripts/install-code-server.sh
#   CODE_SERVER_DIR      install folder, default <repo>/.vscode-test/code-server
#   CODE_SERVER_VERSION  default 4.100.3 (the newest that accepts Node 20)
# result: $CODE_SERVER_DIR/node_modules/.bin/code-server
#
# Idempotent: when that binary already answers --version, only the browser
# (chromium, needed to drive the workbench) is checked, nothing is installed.
#
# Why the odd environment (see shared e2e notes):
#  - npm_config_unsafe_perm=true: code-server's postinstall refuses root otherwise;
#  - npm_config_yes=true: node-pty's postinstall runs `npx node-gyp`, npx must not prompt;
#  - npm_config_nodedir=/usr: node-gyp uses the installed Node headers, no download;
#  - @vscode/ripgrep's postinstall downloads rg from GitHub (unreachable) unless
#    it finds $TMPDIR/vscode-ripgrep-cache-<pkgver>/ripgrep-<rgver>-<target>.tar.gz,
#    so we seed that cache with Debian's /usr/bin/rg.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEST=${CODE_SERVER_DIR:-$ROOT/.vscode-test/code-server}
VERSION=${CODE_SERVER_VERSION:-4.100.3}
BIN="$DEST/node_modules/.bin/code-server"
START=$(date +%s)
log() { echo "[install-code-server $(($(date +%s) - START))s] $*"; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sta-cs-install.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

apt_install() { # installs the Debian packages given that are missing
  local need=() p
  for p in "$@"; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
  done
  [ ${#need[@]} -eq 0 ] && return 0
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "missing Debian packages ${need[*]} and not root; install them first" >&2; exit 1; }
    sudo=(sudo -n)
  fi
  log "apt-get install ${need[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}

installed_version() {
  [ -x "$BIN" ] && XDG_CONFIG_HOME="$WORK/xdg" XDG_DATA_HOME="$WORK/xdg-data" "$BIN" --version 2>/dev/null | grep -m1 ' with Code '
}

if v=$(installed_version) && [[ "$v" == "$VERSION "* ]]; then
  apt_install chromium
  log "code-server already installed: $v"
  exit 0
fi

# ---- 1. Debian build/runtime dependencies ------------------------------------
apt_install build-essential python3 pkg-config libkrb5-dev ripgrep chromium
RG_BIN=$(command -v rg)
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/common.gypi ]; then
  export npm_config_nodedir=/usr
fi

# ---- 2. which @vscode/ripgrep + rg release will the install want? -------------
cd "$WORK"
log "npm pack code-server@$VERSION"
npm pack --silent "code-server@$VERSION" >/dev/null
tar xzf "code-server-$VERSION.tgz" package/lib/vscode/npm-shrinkwrap.json
RG_PKG_VER=$(node -p 'require("./package/lib/vscode/npm-shrinkwrap.json").packages["node_modules/@vscode/ripgrep"].version')
npm pack --silent "@vscode/ripgrep@$RG_PKG_VER" >/dev/null
tar xzf "vscode-ripgrep-$RG_PKG_VER.tgz" package/lib/postinstall.js
RG_REL=$(sed -n "s/^const VERSION = '\(.*\)';/\1/p" package/lib/postinstall.js)
case "$(uname -m)" in
  x86_64) RG_TARGET=x86_64-unknown-linux-musl ;;
  aarch64) RG_TARGET=aarch64-unknown-linux-musl ;;
  *) echo "unsupported arch $(uname -m)" >&2; exit 1 ;;
esac
log "@vscode/ripgrep $RG_PKG_VER wants ripgrep-$RG_REL-$RG_TARGET; seeding it with $RG_BIN"

# ---- 3. seed @vscode/ripgrep's download cache (os.tmpdir() == $TMPDIR) -------
export TMPDIR="$WORK/tmp"
mkdir -p "$TMPDIR/vscode-ripgrep-cache-$RG_PKG_VER"
cp "$RG_BIN" "$WORK/rg"
tar czf "$TMPDIR/vscode-ripgrep-cache-$RG_PKG_VER/ripgrep-$RG_REL-$RG_TARGET.tar.gz" -C "$WORK" rg

# ---- 4. npm install (own package.json, so npm never touches the repo's) ------
mkdir -p "$DEST"
cd "$DEST"
[ -f package.json ] || echo '{"name":"sta-e2e-code-server","private":true}' > package.json
export npm_config_unsafe_perm=true npm_config_yes=true
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
log "npm install code-server@$VERSION into $DEST (compiles native modules; several minutes)"
npm install --save-exact --foreground-scripts "code-server@$VERSION" > "$DEST/install.log" 2>&1 || {
  tail -50 "$DEST/install.log"; echo "install failed, full log: $DEST/install.log" >&2; exit 1; }

# ---- 5. verify ----------------------------------------------------------------
CS="$DEST/node_modules/code-server"
test -x "$CS/lib/vscode/node_modules/@vscode/ripgrep/bin/rg" || { echo "bundled rg missing" >&2; exit 1; }
for m in node-pty kerberos @vscode/spdlog @parcel/watcher native-watchdog; do
  (cd "$CS/lib/vscode" && node -e "require('$m')" 2>/dev/null) ||
    find "$CS/lib/vscode/node_modules/$m" -name '*.node' | grep -q . ||
    { echo "native module $m missing" >&2; exit 1; }
done
v=$(installed_version) || { echo "code-server --version failed" >&2; exit 1; }
log "done: $v; size $(du -sh "$DEST/node_modules" | cut -f1)"
