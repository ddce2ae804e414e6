/**
 * The seeded train/validation split of an export. The unit is the trajectory, not the step: all
 * steps of a trajectory (and every relabelled copy of it) land in the same split, so validation
 * never scores a model on a step whose neighbours it trained on. A trajectory's split depends only
 * on the seed, its id and the fraction, so it is stable for a seed whatever else the export holds.
 */
import type { ExportSplit } from '@/lib/core/export/types';
import { createRandom, seedFrom } from '@/lib/core/rollouts/noisy-expert';

/** Largest share of trajectories that may go to validation. */
export const MAX_VALIDATION_FRACTION = 0.5;

/**
 * @param seed the export's seed.
 * @param groupKey the trajectory id the example's steps come from.
 * @param validationFraction in [0, {@link MAX_VALIDATION_FRACTION}].
 */
export function assignSplit(seed: number, groupKey: string, validationFraction: number): ExportSplit {
  if (validationFraction <= 0) return 'train';
  return createRandom(seedFrom('split', seed, groupKey))() < validationFraction ? 'validation' : 'train';
}
