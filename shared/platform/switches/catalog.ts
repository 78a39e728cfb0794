/**
 * The degradation switches (降级开关): each names a feature an operator may turn off under load or
 * when a dependency misbehaves, without a deploy. A switch without a stored row is on.
 */
export const SWITCHES = {
  "search.facets": {
    description:
      "Search answers brand and category facets. Off: `GET /v1/products` answers the same results with empty " +
      "facets (two aggregate queries fewer per search) and `X-Degraded: search.facets`.",
  },
  checkout: {
    description:
      "Shoppers may quote and place orders. Off: `POST /v1/checkout/quote` and `POST /v1/orders` answer 503 " +
      "`feature_disabled` with `Retry-After`; paying orders already placed still works.",
  },
  "flash-sales.entry": {
    description: "Shoppers may enter flash sales. Off: entry answers 503 `feature_disabled` with `Retry-After`.",
  },
  recommendations: {
    description:
      "Recommendations are computed. Off: recommendation answers are 503 `feature_disabled` with `Retry-After` " +
      "(pages fall back to their static modules).",
  },
} as const;

export type SwitchName = keyof typeof SWITCHES;
export const SWITCH_NAMES = Object.keys(SWITCHES) as [SwitchName, ...SwitchName[]];

/** Whether `name` is a known switch. */
export function isSwitchName(name: string): name is SwitchName {
  return Object.hasOwn(SWITCHES, name);
}

/** How long a client is told to wait before retrying a switched-off feature. */
export const SWITCHED_OFF_RETRY_AFTER_SECONDS = 30;
