#!/usr/bin/env bash
# Regenerates binding types from every wrangler config (one Env interface per Worker) and the
# runtime types once, into types/. Run by `npm run types` and before every typecheck.
set -euo pipefail
cd "$(dirname "$0")/.."
gen() { npx wrangler types "$1" -c "$2" --env-interface "$3" --include-runtime=false --strict-vars=false --include-main-module=false >/dev/null; }
gen types/storefront-env.d.ts wrangler.toml StorefrontEnv
gen types/admin-env.d.ts workers/admin/wrangler.toml AdminEnv
gen types/webhooks-env.d.ts workers/payments-webhook/wrangler.toml WebhooksEnv
gen types/events-env.d.ts workers/events/wrangler.toml EventsEnv
gen types/dev-router-env.d.ts workers/dev-router/wrangler.toml DevRouterEnv
gen types/sandbox-env.d.ts workers/sandbox/wrangler.toml SandboxEnv
npx wrangler types types/runtime.d.ts -c wrangler.toml --include-env=false >/dev/null
