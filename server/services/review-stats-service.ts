/**
 * Agreement and annotator statistics for PIs (issue 5 › Queues, Accountability).
 *
 * - Agreement per queue (`getQueueAgreement`): Fleiss' kappa over the items that received the most
 *   common number (≥ 2) of independent reviews, percent agreement over all rater pairs, and
 *   Cohen's kappa for every pair of reviewers over the items both reviewed (lib/core/agreement.ts).
 * - Annotator stats (`getAnnotatorStats`), for every annotator and anyone else who reviewed:
 *   decisions; decisions per hour = decisions ÷ the summed time from claim to decision (each capped
 *   at one hour, so an abandoned tab does not count as work); agreement with others = the share of agreeing pairs on items the annotator reviewed with
 *   someone else; graph agreement = on `rollout_verdict` decisions, "Succeeded" ⇔ the rollout's graph
 *   verdict is True; env agreement likewise against the environment verdict where it is known.
 */
import { eq, sql } from 'drizzle-orm';
import { cohenKappa, fleissKappa, percentAgreement } from '@/lib/core/agreement';
import type { ReviewQueueId } from '@/lib/core/review';
import type { Db } from '@/server/db/client';
import { user, type ReviewDecisionValue } from '@/server/db/schema';

/** Time from claim to decision counted per decision at most (see the module doc). */
export const MAX_COUNTED_DECISION_MS = 3600 * 1000;

interface DecisionRow {
  itemId: string;
  queue: ReviewQueueId;
  userId: string;
  name: string | null;
  email: string | null;
  role: string | null;
  decision: ReviewDecisionValue;
  claimedAt: number | null;
  createdAt: number;
  graphVerdict: number | null;
  envSuccess: number | null;
}

function readDecisions(db: Db, queue?: ReviewQueueId): DecisionRow[] {
  return db.all<DecisionRow>(sql`
    select d.item_id as itemId, i.queue, d.user_id as userId, u.name, u.email, u.role, d.decision,
           d.claimed_at as claimedAt, d.created_at as createdAt,
           case when i.queue = 'rollout_verdict' then t.graph_verdict end as graphVerdict,
           case when i.queue = 'rollout_verdict' then t.env_success end as envSuccess
    from review_decision d
    join review_item i on i.id = d.item_id
    left join user u on u.id = d.user_id
    left join trajectory t on t.id = i.trajectory_id
    where d.kind = 'review' and d.user_id is not null ${queue ? sql`and i.queue = ${queue}` : sql``}
    order by d.created_at`);
}

function groupByItem(rows: DecisionRow[]): Map<string, DecisionRow[]> {
  const byItem = new Map<string, DecisionRow[]>();
  for (const r of rows) byItem.set(r.itemId, [...(byItem.get(r.itemId) ?? []), r]);
  return byItem;
}

/**
 * Agreement figures of one queue.
 * @returns items with ≥ 2 reviews, Fleiss' kappa over those with the most common review count
 *   (`raters`), percent agreement over all of them, and Cohen's kappa per reviewer pair.
 */
export function getQueueAgreement(db: Db, queue: ReviewQueueId) {
  const rows = readDecisions(db, queue);
  const multi = [...groupByItem(rows).values()].filter((r) => r.length >= 2);
  const sizes = new Map<number, number>();
  for (const r of multi) sizes.set(r.length, (sizes.get(r.length) ?? 0) + 1);
  const raters = [...sizes.entries()].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0]?.[0] ?? 0;
  const ratings = multi.map((r) => r.map((d) => d.decision));
  const users = new Map(rows.map((r) => [r.userId, { id: r.userId, name: r.name ?? r.email ?? r.userId }]));
  const pairMap = new Map<string, [ReviewDecisionValue, ReviewDecisionValue][]>();
  for (const itemRows of multi) {
    for (let i = 0; i < itemRows.length; i++) {
      for (let j = i + 1; j < itemRows.length; j++) {
        const [x, y] = [itemRows[i]!, itemRows[j]!];
        const [a, b] = x.userId <= y.userId ? [x, y] : [y, x];
        const key = `${a.userId}\u0000${b.userId}`;
        pairMap.set(key, [...(pairMap.get(key) ?? []), [a.decision, b.decision]]);
      }
    }
  }
  const pairs = [...pairMap.entries()].map(([key, decisions]) => {
    const [a, b] = key.split('\u0000') as [string, string];
    return {
      a: users.get(a)!,
      b: users.get(b)!,
      items: decisions.length,
      cohenKappa: cohenKappa(decisions),
      percentAgreement: decisions.filter(([x, y]) => x === y).length / decisions.length,
    };
  });
  return {
    queue,
    items: multi.length,
    raters,
    /** Items Fleiss' kappa was computed over (those with `raters` reviews). */
    fleissItems: ratings.filter((r) => r.length === raters).length,
    fleissKappa: raters >= 2 ? fleissKappa(ratings.filter((r) => r.length === raters)) : null,
    percentAgreement: percentAgreement(ratings),
    pairs,
  };
}

/** Per-annotator figures for the PI (definitions in the module doc), most decisions first. */
export function getAnnotatorStats(db: Db) {
  const rows = readDecisions(db);
  const byItem = groupByItem(rows);
  const byUser = new Map<string, DecisionRow[]>();
  for (const r of rows) byUser.set(r.userId, [...(byUser.get(r.userId) ?? []), r]);
  // Annotators who have not decided anything yet are listed too (with zeros), so a PI sees them.
  const annotators = db
    .select({ id: user.id, name: user.name, email: user.email, role: user.role })
    .from(user)
    .where(eq(user.role, 'annotator'))
    .all();
  for (const a of annotators) if (!byUser.has(a.id)) byUser.set(a.id, []);
  const identity = new Map(annotators.map((a) => [a.id, a]));
  return [...byUser.entries()]
    .map(([userId, decisions]) => {
      const durations = decisions
        .filter((d) => d.claimedAt !== null)
        .map((d) => Math.min(Math.max(d.createdAt - d.claimedAt!, 0), MAX_COUNTED_DECISION_MS))
        .sort((a, b) => a - b);
      const totalMs = durations.reduce((a, b) => a + b, 0);
      let compared = 0;
      let agreed = 0;
      const comparedItems = new Set<string>();
      for (const d of decisions) {
        for (const other of byItem.get(d.itemId) ?? []) {
          if (other.userId === userId) continue;
          compared += 1;
          comparedItems.add(d.itemId);
          if (other.decision === d.decision) agreed += 1;
        }
      }
      const verdicts = decisions.filter((d) => d.queue === 'rollout_verdict');
      const withGraph = verdicts.filter((d) => d.graphVerdict !== null);
      const withEnv = verdicts.filter((d) => d.envSuccess !== null);
      const matches = (d: DecisionRow, verdict: number | null) =>
        (d.decision === 'accept') === (verdict === 1);
      const who = decisions[0] ?? identity.get(userId)!;
      return {
        userId,
        name: who.name,
        email: who.email,
        role: who.role,
        decisions: decisions.length,
        accepts: decisions.filter((d) => d.decision === 'accept').length,
        rejects: decisions.filter((d) => d.decision === 'reject').length,
        decisionsPerHour: totalMs > 0 ? (durations.length / totalMs) * 3600 * 1000 : null,
        medianSecondsPerDecision: durations.length
          ? durations[Math.floor((durations.length - 1) / 2)]! / 1000
          : null,
        agreementWithOthers: compared ? agreed / compared : null,
        comparedItems: comparedItems.size,
        graphAgreement: withGraph.length
          ? withGraph.filter((d) => matches(d, d.graphVerdict)).length / withGraph.length
          : null,
        graphCompared: withGraph.length,
        envAgreement: withEnv.length
          ? withEnv.filter((d) => matches(d, d.envSuccess)).length / withEnv.length
          : null,
        envCompared: withEnv.length,
        lastDecisionAt: decisions.length ? new Date(decisions[decisions.length - 1]!.createdAt) : null,
      };
    })
    .sort((a, b) => b.decisions - a.decisions);
}
