/**
 * The assets manifest (manifest.json): every file Easel needs that no package registry ships, its
 * size and sha256, where it is installed, and where the same bytes are published (a file in a
 * public Git repository at a pinned commit, with a machine-readable transformation where the
 * published file is not byte-for-byte the one Easel uses). Validated once, at import.
 */
import { z } from 'zod';
import raw from './manifest.json' with { type: 'json' };

const jsonPointer = z.string().regex(/^(\/[^/]*)+$/, 'a JSON pointer such as /a/0/b');

/** What turns the published file into the installed one. */
const transformationSchema = z.discriminatedUnion('take', [
  /** The first `bytes` bytes (e.g. one shard of a model trimmed to its first layers). */
  z.object({ take: z.literal('prefix'), bytes: z.number().int().positive() }).strict(),
  /**
   * A JSON document edited in order, then written back in the serialisation that made the
   * installed file (`python-json`: Python's json.dumps defaults, `", "` and `": "` separators,
   * non-ASCII escaped), so the result matches the recorded sha256 byte for byte.
   */
  z
    .object({
      take: z.literal('json-edit'),
      serialise: z.literal('python-json'),
      edits: z
        .array(
          z.discriminatedUnion('op', [
            z.object({ op: z.literal('truncate'), path: jsonPointer, length: z.number().int().nonnegative() }).strict(),
            z.object({ op: z.literal('set'), path: jsonPointer, value: z.unknown() }).strict(),
          ]),
        )
        .min(1),
    })
    .strict(),
]);
export type Transformation = z.infer<typeof transformationSchema>;
export type JsonEdit = Extract<Transformation, { take: 'json-edit' }>['edits'][number];

const githubRepository = z.string().regex(/^https:\/\/github\.com\/[\w.-]+\/[\w.-]+$/, 'https://github.com/<owner>/<repo>');
const commit = z.string().regex(/^[0-9a-f]{40}$/, 'a full 40-hex commit');

const sourceSchema = z
  .object({
    repository: githubRepository,
    commit,
    /** The file's path in that repository at that commit. */
    path: z.string().min(1),
    transformation: transformationSchema.optional(),
    /** For people: what the transformation does and why. */
    note: z.string().optional(),
  })
  .strict();
export type AssetSource = z.infer<typeof sourceSchema>;

const entrySchema = z
  .object({
    /** Path inside an assets folder (and a mirror: EASEL_ASSETS_URL/<path>). */
    path: z.string().regex(/^[\w.-]+(\/[\w.-]+)*$/),
    /** Where it is installed, relative to the project root. */
    target: z.string().regex(/^(weights|presets)\/[\w.-]+(\/[\w.-]+)*$/),
    size: z.number().int().positive(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    what: z.string().optional(),
    /** The licence of this file's content (a best-effort reading, not legal advice). */
    licence: z.string().optional(),
    /** Where the same bytes are published; null: published nowhere (only an assets folder or a mirror has it). */
    source: sourceSchema.nullable(),
    /** For an unpublished file: what it is and who made it. */
    origin: z.string().optional(),
  })
  .strict()
  .refine((e) => e.source !== null || e.origin, { message: 'an unpublished file (source: null) says its origin' });
export type AssetEntry = z.infer<typeof entrySchema>;

const repositorySchema = z
  .object({
    commit,
    /** The repository's own licence (its LICENSE file at that commit, or that it has none). */
    licence: z.string().min(1),
    /** The Git LFS patterns (`filter=lfs` lines of .gitattributes) at that commit: matching files come from the LFS media URL. */
    lfs: z.array(z.string()),
    /** How `lfs` was established. */
    lfsChecked: z.string().min(1),
  })
  .strict();
export type SourceRepository = z.infer<typeof repositorySchema>;

const manifestSchema = z
  .object({
    description: z.string(),
    repositories: z.record(githubRepository, repositorySchema),
    files: z.array(entrySchema).min(1),
  })
  .strict()
  .superRefine((m, ctx) => {
    for (const [i, f] of m.files.entries()) {
      if (!f.source) continue;
      const repo = m.repositories[f.source.repository];
      if (!repo) ctx.addIssue({ code: 'custom', path: ['files', i, 'source'], message: `${f.source.repository} is not in repositories` });
      else if (repo.commit !== f.source.commit) ctx.addIssue({ code: 'custom', path: ['files', i, 'source'], message: `commit differs from repositories[${f.source.repository}]` });
      const t = f.source.transformation;
      if (t?.take === 'prefix' && t.bytes !== f.size) ctx.addIssue({ code: 'custom', path: ['files', i], message: 'a prefix transformation takes exactly the file size' });
    }
  });
export type AssetsManifest = z.infer<typeof manifestSchema>;

export function parseManifest(value: unknown): AssetsManifest {
  return manifestSchema.parse(value);
}

export const MANIFEST: AssetsManifest = parseManifest(raw);
export const ASSETS: readonly AssetEntry[] = MANIFEST.files;

/** Hosts of GitHub's raw files and Git LFS media; the installer takes others (a loopback fake in tests). */
export interface PublicHosts {
  raw: string;
  media: string;
}
export const GITHUB_HOSTS: PublicHosts = { raw: 'https://raw.githubusercontent.com', media: 'https://media.githubusercontent.com/media' };

function encodePath(p: string): string {
  return p.split('/').map(encodeURIComponent).join('/');
}

const GLOB_TOKENS: Record<string, string> = { '**/': '(?:.*/)?', '**': '.*', '*': '[^/]*', '?': '[^/]' };

/** A .gitattributes pattern as a matcher: no slash matches the file name anywhere; `*` stays in a segment, `**` spans them. */
export function gitattributesMatcher(pattern: string): (file: string) => boolean {
  const anchored = pattern.includes('/') && !pattern.endsWith('/');
  const body = pattern.replace(/^\//, '');
  const re = body
    .split(/(\*\*\/?|\*|\?)/)
    .map((part) => GLOB_TOKENS[part] ?? part.replace(/[.+^${}()|[\]\\]/g, '\\$&'))
    .join('');
  const regex = new RegExp(anchored ? `^${re}$` : `(?:^|/)${re}$`);
  return (file) => regex.test(file);
}

/** Whether the source file is stored with Git LFS (per the repository's recorded .gitattributes patterns). */
export function isLfs(source: AssetSource, manifest: AssetsManifest = MANIFEST): boolean {
  const patterns = manifest.repositories[source.repository]?.lfs ?? [];
  return patterns.some((p) => gitattributesMatcher(p)(source.path));
}

/**
 * The URL of the published file at its pinned commit: GitHub's raw URL, or the LFS media URL for
 * files stored with Git LFS (the raw URL would give the small pointer file instead).
 */
export function publicUrl(source: AssetSource, hosts: PublicHosts = GITHUB_HOSTS, manifest: AssetsManifest = MANIFEST, forceLfs = false): string {
  const ownerRepo = source.repository.replace(/^https:\/\/github\.com\//, '');
  const base = forceLfs || isLfs(source, manifest) ? hosts.media : hosts.raw;
  return `${base.replace(/\/+$/, '')}/${ownerRepo}/${source.commit}/${encodePath(source.path)}`;
}

/** The URL of an entry on a mirror laid out like the assets folder (EASEL_ASSETS_URL). */
export function mirrorUrl(mirror: string, entry: AssetEntry): string {
  return `${mirror.replace(/\/+$/, '')}/${encodePath(entry.path)}`;
}

export interface LicenceGroup {
  repository: string | null;
  commit?: string;
  repositoryLicence?: string;
  files: number;
  bytes: number;
  /** Content licence → the installed files under it. */
  byLicence: Array<{ licence: string; targets: string[] }>;
}

/** The licences, grouped by source repository (unpublished files last). */
export function licences(entries: readonly AssetEntry[] = ASSETS, manifest: AssetsManifest = MANIFEST): LicenceGroup[] {
  const groups = new Map<string | null, LicenceGroup>();
  for (const e of entries) {
    const key = e.source?.repository ?? null;
    let g = groups.get(key);
    if (!g) {
      const repo = key ? manifest.repositories[key] : undefined;
      g = { repository: key, commit: repo?.commit, repositoryLicence: repo?.licence, files: 0, bytes: 0, byLicence: [] };
      groups.set(key, g);
    }
    g.files++;
    g.bytes += e.size;
    const licence = e.licence ?? (e.source ? 'as the repository' : 'made for Easel (see origin)');
    let l = g.byLicence.find((x) => x.licence === licence);
    if (!l) g.byLicence.push((l = { licence, targets: [] }));
    l.targets.push(e.target);
  }
  return [...groups.values()].sort((a, b) => (a.repository === null ? 1 : b.repository === null ? -1 : b.bytes - a.bytes));
}
