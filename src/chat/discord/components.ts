/**
 * Every button, select and modal Easel puts on its messages: the registry the router looks a custom
 * id up in. Adding one is a new file in buttons/, selects/ or modals/ and one line here.
 *
 * Anyone may restyle or vary a result shown in a channel — the new job is theirs, under their own
 * limits; only the asker may cancel, and only the asker or a member with Manage Messages may delete.
 */
import type { ComponentHandler, ComponentKind } from './handler.ts';
import { splitCustomId, type ComponentAction } from './custom-ids.ts';
import { anotherStyle } from './buttons/another-style.ts';
import { cancel } from './buttons/cancel.ts';
import { deleteResult } from './buttons/delete.ts';
import { higherQualityButton } from './buttons/higher-quality.ts';
import { keepColours } from './buttons/keep-colours.ts';
import { reroll } from './buttons/reroll.ts';
import { stronger } from './buttons/stronger.ts';
import { subtler } from './buttons/subtler.ts';
import { styleSelect } from './selects/style.ts';

// Each handler is typed by its own arguments; the registry holds them by kind and prefix only.
type AnyHandler = ComponentHandler<ComponentKind, any>;

export const components: readonly AnyHandler[] = [cancel, anotherStyle, higherQualityButton, stronger, subtler, keepColours, reroll, deleteResult, styleSelect];

const byKey = new Map(components.map((h) => [`${h.kind}:${h.prefix}`, h]));
if (byKey.size !== components.length) throw new Error('components.ts: two handlers share a kind and prefix');

/** The handler for a custom id and the arguments it parsed; undefined when it is not Easel's (or not well-formed). */
export function componentFor(kind: ComponentKind, id: string): { handler: AnyHandler; args: Record<string, string> } | undefined {
  const split = splitCustomId(id);
  const handler = split && byKey.get(`${kind}:${split.prefix}`);
  const args = handler?.parse(split!.parts);
  return handler && args ? { handler, args } : undefined;
}

/** What an Easel custom id names, whatever the component: `{ action: prefix, ...args }`. */
export function decodeCustomId(id: string): ComponentAction | undefined {
  const split = splitCustomId(id);
  for (const handler of components) {
    if (handler.prefix !== split?.prefix) continue;
    const args = handler.parse(split.parts);
    if (args) return { action: handler.prefix, ...args } as ComponentAction;
  }
  return undefined;
}
