/**
 * The statistics of an experiment's report: each treatment's conversion rate against the
 * control's, its relative lift, and a two-sided two-proportion z-test with the pooled standard
 * error, z = (p₂ − p₁) / √(p̂(1 − p̂)(1/n₁ + 1/n₂)) with p̂ = (x₁ + x₂)/(n₁ + n₂), p = 2(1 − Φ(|z|)).
 * Pure functions of counts, so a test checks them against a hand-computed example.
 */

/**
 * The complementary error function, by the Chebyshev fit of Numerical Recipes (erfcc): fractional
 * error below 1.2e-7 everywhere, plenty for a p-value an operator reads to three decimals.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** The standard normal CDF Φ(z). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

export interface ProportionTest {
  /** (p₂ − p₁) / p₁; null when the control converted nobody. */
  lift: number | null;
  z: number | null;
  /** Two-sided; null when there is nothing to test (an empty group, or no variance at all). */
  pValue: number | null;
}

/** Treatment (x₂ of n₂) against control (x₁ of n₁). */
export function twoProportionZTest(
  control: { conversions: number; exposures: number },
  treatment: { conversions: number; exposures: number },
): ProportionTest {
  const { conversions: x1, exposures: n1 } = control;
  const { conversions: x2, exposures: n2 } = treatment;
  if (n1 === 0 || n2 === 0) return { lift: null, z: null, pValue: null };
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const lift = p1 === 0 ? null : (p2 - p1) / p1;
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (se === 0) return { lift, z: null, pValue: null };
  const z = (p2 - p1) / se;
  // 2(1 − Φ(|z|)) written as erfc(|z|/√2), which keeps its precision far in the tail.
  return { lift, z, pValue: erfc(Math.abs(z) / Math.SQRT2) };
}
