/**
 * Component custom ids: how a button or select on a message finds its way back to the right
 * handler after any restart. Discord caps them at 100 characters, so they carry keys, not data:
 * a job id for Cancel and Delete, a recipe blob key for "Another style", "Higher quality", the
 * variations (Stronger, Subtler, Keep colours, Reroll) and the preset select.
 *
 * A custom id is a string the client hands back: it never says whose something is. Cancel asks the
 * job's own record (jobs.ownerOf, and jobs.cancel checks again); Delete asks Easel's record of the
 * message the button sits on (jobs.resultAt).
 */
import { isVariation, type Variation } from '../../requests/variations.ts';

export const CUSTOM_ID_MAX = 100;
const PREFIX = 'easel';

export type ComponentAction =
  | { action: 'cancel'; jobId: string }
  | { action: 'another'; recipeKey: string }
  | { action: 'hq'; recipeKey: string }
  | { action: 'style'; recipeKey: string }
  | { action: Variation; recipeKey: string }
  /** The job id is for the logs only: the message decides which result it is. */
  | { action: 'delete'; jobId: string };

export function encodeCustomId(a: ComponentAction): string {
  const parts = a.action === 'cancel' || a.action === 'delete' ? [PREFIX, a.action, a.jobId] : [PREFIX, a.action, a.recipeKey];
  const id = parts.join(':');
  if (id.length > CUSTOM_ID_MAX) throw new Error(`custom id too long (${id.length} > ${CUSTOM_ID_MAX})`);
  return id;
}

/** Parse an Easel custom id; undefined for anything else (another bot's, or an older format). */
export function decodeCustomId(customId: string): ComponentAction | undefined {
  const [prefix, action, ...rest] = customId.split(':');
  if (prefix !== PREFIX) return undefined;
  // Buttons posted before owners left the custom id carry one more part (a user id): ignored.
  if (action === 'cancel' && rest.length >= 1) return { action, jobId: rest.length >= 2 ? rest.slice(0, -1).join(':') : rest[0] };
  if (action === 'delete' && rest.length >= 1) return { action, jobId: rest.join(':') };
  if ((action === 'another' || action === 'hq' || action === 'style' || isVariation(action)) && rest.length >= 1) {
    return { action, recipeKey: rest.join(':') };
  }
  return undefined;
}

/** Whether the id fits Discord's limit (a long blob key could make it not). */
export function fitsCustomId(a: ComponentAction): boolean {
  try {
    encodeCustomId(a);
    return true;
  } catch {
    return false;
  }
}
