/**
 * A recipe is what it takes to paint a photo again: its content blob, style and options. Follow-ups
 * on a result ("Another style", "Higher quality", the variations, replying with a new photo) need it
 * long after the interaction is gone, and a Discord custom id holds at most 100 characters (a Slack
 * button value 2000) — so on both platforms the recipe is
 * stored as a small JSON blob through the jobs API (content-addressed, with the blobs' TTL) and the
 * components carry only its key. When the blob has expired, the user is asked to start over.
 */
import { z } from 'zod';
import type { BlobStore } from '../../jobs/types.ts';
import { BlobRef, RequestOptions, StyleChoice, type StyleRequest } from '../../requests/style-request.ts';
import type { ImageInput } from './intake/index.ts';

/** A photo not fetched yet (Discord's "Stylize image" menu): it goes through the intake once a style is chosen. */
export const RecipePhoto = z.object({ url: z.string().url(), name: z.string().max(300), size: z.number().int().min(0), contentType: z.string().max(200).nullable() });

export const Recipe = z.object({
  v: z.literal(1),
  /** The photo: a blob of an earlier job, or (from the context menu) an attachment to fetch. */
  content: z.union([BlobRef, RecipePhoto]),
  /** Absent while the user has still to pick a style (the "Stylize image" context menu). */
  style: StyleChoice.optional(),
  options: RequestOptions,
});
export type Recipe = z.infer<typeof Recipe>;

/** The recipe's photo as the intake takes it. */
export function contentOf(recipe: Recipe): ImageInput {
  const c = recipe.content;
  return 'key' in c ? { kind: 'blob', ref: c } : { kind: 'remote', url: c.url, name: c.name, declaredBytes: c.size, contentType: c.contentType };
}

export function recipeOf(request: Pick<StyleRequest, 'content' | 'style' | 'options'>): Recipe {
  return { v: 1, content: request.content, style: request.style, options: request.options };
}

export async function saveRecipe(blobs: BlobStore, recipe: Recipe): Promise<string> {
  return blobs.put(Buffer.from(JSON.stringify(recipe), 'utf8'));
}

/**
 * A recipe no job refers to yet (the "Stylize image" menu, waiting for a style): stored as a
 * pending upload — short TTL, counted in the pending budget. Undefined when over the budget.
 */
export async function savePendingRecipe(blobs: BlobStore, recipe: Recipe): Promise<string | undefined> {
  return blobs.putPending(Buffer.from(JSON.stringify(recipe), 'utf8'));
}

/** The recipe under `key`, or undefined when it expired or is not a recipe. */
export async function loadRecipe(blobs: BlobStore, key: string): Promise<Recipe | undefined> {
  const bytes = await blobs.get(key);
  if (!bytes) return undefined;
  try {
    const parsed = Recipe.safeParse(JSON.parse(bytes.toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

// The follow-ups live with the request (src/requests/variations.ts); re-exported for the adapters that import them from here.
export { higherQuality, renderDefaults } from '../../requests/variations.ts';
