#!/usr/bin/env bash
# Deploys the five Workers (the dev router and the sandbox are never deployed).
#   npm run deploy       applies D1 migrations remotely, then deploys password-hasher, events,
#                        storefront, admin, payments-webhook (needs a Cloudflare account:
#                        CLOUDFLARE_API_TOKEN, and the real database_id in each config; secrets via `wrangler secret put`).
#   npm run deploy:dry   bundles each Worker offline (`wrangler deploy --dry-run --outdir`) and
#                        reports bundle sizes; needs no account and no network.
set -euo pipefail
cd "$(dirname "$0")/.."
WRANGLER=node_modules/.bin/wrangler
# The password hasher first: the storefront and admin Workers bind it.
WORKERS=(
  "password-hasher:workers/password-hasher/wrangler.toml"
  "events:workers/events/wrangler.toml"
  "storefront:wrangler.toml"
  "admin:workers/admin/wrangler.toml"
  "payments-webhook:workers/payments-webhook/wrangler.toml"
)

if [[ "${1:-}" == "--dry-run" ]]; then
  rm -rf dist
  printf '%-18s %12s %12s\n' worker bytes gzip
  for entry in "${WORKERS[@]}"; do
    name=${entry%%:*}; config=${entry#*:}
    "$WRANGLER" deploy --dry-run --outdir "$PWD/dist/$name" -c "$config" >/dev/null
    bytes=$(cat dist/"$name"/*.js | wc -c)
    gz=$(cat dist/"$name"/*.js | gzip -9 | wc -c)
    printf '%-18s %12s %12s\n' "$name" "$bytes" "$gz"
  done
  exit 0
fi

"$WRANGLER" d1 migrations apply commerce --remote -c wrangler.toml
for entry in "${WORKERS[@]}"; do
  "$WRANGLER" deploy -c "${entry#*:}"
done
