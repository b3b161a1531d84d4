/**
 * Component custom ids: how a button, select or modal finds its way back to its handler after any
 * restart. They read `easel:<prefix>:<key>`, the prefix naming the handler (buttons/*.ts,
 * selects/*.ts) and the key being what it needs: a job id for Cancel and Delete, a recipe blob key
 * for "Another style", "Higher quality", the variations and the preset select. Discord caps them at
 * 100 characters, so they carry keys, not data.
 *
 * A custom id is a string the client hands back: it never says whose something is. Cancel asks the
 * job's own record (jobs.ownerOf, and jobs.cancel checks it again); Delete asks Easel's record of
 * the message the button sits on (jobs.resultAt).
 */
export const CUSTOM_ID_MAX = 100;
const NAMESPACE = 'easel';

/** `easel:<prefix>:<key>`; throws past Discord's 100 characters. */
export function customId(prefix: string, key: string): string {
  const id = [NAMESPACE, prefix, key].join(':');
  if (id.length > CUSTOM_ID_MAX) throw new Error(`custom id too long (${id.length} > ${CUSTOM_ID_MAX})`);
  return id;
}

/** Whether the id fits Discord's limit (a long blob key could make it not). */
export function fitsCustomId(prefix: string, key: string): boolean {
  return NAMESPACE.length + prefix.length + key.length + 2 <= CUSTOM_ID_MAX;
}

/** An Easel custom id's prefix and the parts after it; undefined for anyone else's. */
export function splitCustomId(id: string): { prefix: string; parts: string[] } | undefined {
  const [namespace, prefix, ...parts] = id.split(':');
  return namespace === NAMESPACE && prefix ? { prefix, parts } : undefined;
}

/** What a custom id names: the handler's prefix as `action`, and its key by name. */
export interface ComponentAction {
  action: string;
  jobId?: string;
  recipeKey?: string;
}

export function encodeCustomId(a: ComponentAction): string {
  const key = a.jobId ?? a.recipeKey;
  if (key === undefined) throw new Error(`custom id for ${a.action} needs a key`);
  return customId(a.action, key);
}
