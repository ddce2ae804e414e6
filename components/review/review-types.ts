/** Types of the review workspace, inferred from the `review` router (type-only, no server code). */
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@/server/trpc/root';

type ReviewOutputs = inferRouterOutputs<AppRouter>['review'];

/** `review.subject`: one item with what a reviewer looks at, discriminated by `queue`. */
export type ReviewSubjectData = ReviewOutputs['subject'];
export type SubjectOf<Q extends ReviewSubjectData['queue']> = Extract<ReviewSubjectData, { queue: Q }>;
/** A claimed item (`review.claimNext` / `review.claim`). */
export type ClaimedItem = NonNullable<ReviewOutputs['claimNext']>['item'];
export type ReviewHistoryRow = ReviewOutputs['history'][number];
export type ReviewHomeData = ReviewOutputs['home'];
