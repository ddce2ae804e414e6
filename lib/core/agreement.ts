/**
 * Inter-rater agreement for the review queues (issue 5 › Queues): Cohen's kappa for two raters
 * (Cohen 1960, "A coefficient of agreement for nominal scales") and Fleiss' kappa for a fixed number
 * of raters per item (Fleiss 1971, "Measuring nominal scale agreement among many raters").
 * Both return null where the statistic is undefined (no items, or chance agreement of 1).
 */

/**
 * Cohen's kappa over paired ratings `[a, b]` of the same items.
 * κ = (p_o − p_e) / (1 − p_e), p_e = Σ_k p_a(k)·p_b(k).
 * @returns kappa in [−1, 1], or null for no pairs or when p_e = 1 (both raters used one category).
 */
export function cohenKappa<C extends string>(pairs: readonly (readonly [C, C])[]): number | null {
  const n = pairs.length;
  if (n === 0) return null;
  const countA = new Map<C, number>();
  const countB = new Map<C, number>();
  let agree = 0;
  for (const [a, b] of pairs) {
    if (a === b) agree += 1;
    countA.set(a, (countA.get(a) ?? 0) + 1);
    countB.set(b, (countB.get(b) ?? 0) + 1);
  }
  const po = agree / n;
  let pe = 0;
  for (const [category, ca] of countA) pe += (ca / n) * ((countB.get(category) ?? 0) / n);
  if (pe >= 1) return null;
  return (po - pe) / (1 - pe);
}

/**
 * Fleiss' kappa over items each rated by the same number n ≥ 2 of raters (`items[i]` = the n
 * ratings of item i, raters need not be the same people).
 * @returns kappa, or null for no items, n < 2, or P̄_e = 1.
 * @throws Error when items have different numbers of ratings (the statistic assumes a fixed n).
 */
export function fleissKappa<C extends string>(items: readonly (readonly C[])[]): number | null {
  if (items.length === 0) return null;
  const n = items[0]!.length;
  if (n < 2) return null;
  if (items.some((ratings) => ratings.length !== n)) {
    throw new Error(`fleissKappa: every item needs ${n} ratings`);
  }
  const totals = new Map<C, number>();
  let sumPi = 0;
  for (const ratings of items) {
    const counts = new Map<C, number>();
    for (const r of ratings) counts.set(r, (counts.get(r) ?? 0) + 1);
    let squares = 0;
    for (const [category, c] of counts) {
      squares += c * c;
      totals.set(category, (totals.get(category) ?? 0) + c);
    }
    sumPi += (squares - n) / (n * (n - 1));
  }
  const pBar = sumPi / items.length;
  let pe = 0;
  for (const total of totals.values()) pe += (total / (items.length * n)) ** 2;
  if (pe >= 1) return null;
  return (pBar - pe) / (1 - pe);
}

/** Share of agreeing rater pairs over all rater pairs of all items (each item's ratings). Null for no pairs. */
export function percentAgreement<C extends string>(items: readonly (readonly C[])[]): number | null {
  let pairs = 0;
  let agree = 0;
  for (const ratings of items) {
    for (let i = 0; i < ratings.length; i++) {
      for (let j = i + 1; j < ratings.length; j++) {
        pairs += 1;
        if (ratings[i] === ratings[j]) agree += 1;
      }
    }
  }
  return pairs === 0 ? null : agree / pairs;
}

/**
 * Landis & Koch (1977) bands for reading a kappa ("The measurement of observer agreement for
 * categorical data"): < 0 poor, 0–0.20 slight, 0.21–0.40 fair, 0.41–0.60 moderate,
 * 0.61–0.80 substantial, 0.81–1 almost perfect.
 */
export function interpretKappa(kappa: number | null): string {
  if (kappa === null) return 'undefined';
  if (kappa < 0) return 'poor';
  if (kappa <= 0.2) return 'slight';
  if (kappa <= 0.4) return 'fair';
  if (kappa <= 0.6) return 'moderate';
  if (kappa <= 0.8) return 'substantial';
  return 'almost perfect';
}
