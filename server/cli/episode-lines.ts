/**
 * The per-episode lines of `core-curator rollouts` and `demo`: one line per episode with its
 * status, environment verdict and the environment's explanation (`trajectory.envMessage`: the
 * verifier's message, the evaluators' details, why there is none), or the error of an episode that
 * errored before judging. Messages are third-party text: folded onto the line and stripped of
 * control characters, so a verifier cannot move the cursor or recolour the terminal.
 */
import type { EpisodeVerdict } from '@/server/services/trajectory-service';

/** Line breaks become ` | `, tabs spaces; other control characters (ESC, BEL, C1…) are shown as `\xNN`. */
export function toOneLine(text: string): string {
  return (
    text
      .replace(/\s*(?:\r\n|\r|\n)\s*/g, ' | ')
      .replace(/\t/g, ' ')
      // eslint-disable-next-line no-control-regex -- matching control characters is the point
      .replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
  );
}

function verdictWord(envSuccess: boolean | null): string {
  return envSuccess === null ? 'unknown' : envSuccess ? 'success' : 'failure';
}

/** e.g. `app:shop:shop-002 #3  complete  env failure  4 steps  cart has 1 of 2 daypacks`. */
export function formatEpisodeLine(e: EpisodeVerdict): string {
  const sample = e.sampleIndex === null ? '' : ` #${e.sampleIndex + 1}`;
  const why = e.envMessage ?? (e.status === 'errored' ? e.error : null);
  const parts = [
    `${e.taskExternalId}${sample}`,
    e.kind === 'expert' ? `${e.status} (demo)` : e.status,
    `env ${verdictWord(e.envSuccess)}`,
    `${e.stepCount} step${e.stepCount === 1 ? '' : 's'}`,
  ];
  return why ? `${parts.join('  ')}  ${toOneLine(why)}` : parts.join('  ');
}

/** The lines under a heading, for stderr. Empty when there are no episodes. */
export function formatEpisodeLines(heading: string, episodes: readonly EpisodeVerdict[]): string {
  if (episodes.length === 0) return '';
  return `${heading}\n${episodes.map((e) => `  ${formatEpisodeLine(e)}`).join('\n')}\n`;
}
