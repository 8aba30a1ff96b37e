#!/usr/bin/env bash
# Installs the pinned n8n (installers/n8n/runtime/package-lock.json) with `npm ci`, once per lock file, into a
# cache that clones of this repo on the machine share, and links runtime/node_modules to it. A clean clone (CI)
# then costs a symlink instead of a 10-15 minute install (1,800 packages, sqlite3 built from source where its
# prebuilt binary cannot be fetched). Nothing here runs at test time.
set -euo pipefail
runtime="$(cd "$(dirname "$0")/runtime" && pwd)"
key="$(cat "$runtime/package.json" "$runtime/package-lock.json" "$runtime"/isolated-vm-stub/* | sha256sum | cut -c1-16)"
root="${OMNI_N8N_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/omni-studio/n8n}"
target="$root/$key"
if [ ! -f "$target/node_modules/.installed" ]; then
    mkdir -p "$root"
    work="$(mktemp -d "$root/.install-XXXXXX")"
    trap 'rm -rf "$work"' EXIT
    cp -r "$runtime/package.json" "$runtime/package-lock.json" "$runtime/isolated-vm-stub" "$work/"
    echo "installing n8n into $target (npm ci)"
    (cd "$work" && npm ci --no-audit --no-fund --loglevel=error)
    touch "$work/node_modules/.installed"
    # another install of the same lock may have finished first: keep that one
    mv -T "$work" "$target" 2>/dev/null || true
fi
if [ -d "$runtime/node_modules" ] && [ ! -L "$runtime/node_modules" ]; then
    rm -rf "$runtime/node_modules"  # an older in-place install
fi
ln -sfn "$target/node_modules" "$runtime/node_modules"
echo "n8n $(node "$runtime/node_modules/n8n/bin/n8n" --version) at $target"
