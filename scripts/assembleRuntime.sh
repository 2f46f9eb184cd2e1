#!/usr/bin/env bash
# Builds Convoy and assembles what production runs in OUT_DIR (new or empty):
#
#   OUT_DIR/apps/server/dist/main.js        the compiled server, started with `node dist/main.js` in apps/server
#   OUT_DIR/apps/server/dist/drizzle/       the migrations it applies at start
#   OUT_DIR/static/{dispatcher,driver,rider}/  the built apps (STATIC_DIR)
#   OUT_DIR/node_modules/                   the server's production dependencies only, exactly as
#                                           pnpm-lock.yaml pins them, with patches/ applied
#
# The Dockerfile's build stage runs this script; scripts/productionCheck.mjs runs it too and
# starts the result as the image does. Needs pnpm and a `pnpm install`ed checkout.
#
#   scripts/assembleRuntime.sh OUT_DIR
set -euo pipefail
out=${1:?usage: scripts/assembleRuntime.sh OUT_DIR}
cd "$(dirname "$0")/.."
mkdir -p "$out"
if [ -n "$(ls -A "$out")" ]; then
  echo "assembleRuntime: $out is not empty" >&2
  exit 1
fi
out=$(cd "$out" && pwd)

echo "== build: the server and the three apps"
pnpm turbo run build --filter=@convoy/server --filter=@convoy/dispatcher --filter=@convoy/driver --filter=@convoy/rider

echo "== copy the output to $out"
# The workspace manifests and patches/ are what a frozen install of the server needs.
cp package.json pnpm-lock.yaml pnpm-workspace.yaml "$out/"
cp -R patches "$out/patches"
mkdir -p "$out/apps/server" "$out/static"
cp apps/server/package.json "$out/apps/server/"
cp -R apps/server/dist "$out/apps/server/dist"
for app in dispatcher driver rider; do cp -R "apps/$app/dist" "$out/static/$app"; done

echo "== install production dependencies only"
cd "$out"
pnpm install --prod --frozen-lockfile --filter @convoy/server
# pnpm adds typescript and @types/* as peers of @trpc/server and mysql2 (auto-install-peers).
# They describe types only and nothing imports them at run time.
rm -rf node_modules/.pnpm/typescript@* node_modules/.pnpm/@types+*
