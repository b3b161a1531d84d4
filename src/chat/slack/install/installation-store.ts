/**
 * Bolt's InstallationStore, kept in Redis: one record per workspace (or per Enterprise Grid org for
 * org-wide installs), the whole installation encrypted with EASEL_TOKEN_KEY, so a Redis dump or
 * backup never holds a usable token. Shared by every bot process: an install finished on one
 * process is seen by all the others at their next `authorize()`.
 */
import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import type { Redis } from 'ioredis';
import { decryptSecret, encryptSecret } from './token-crypto.ts';

/** The workspace never installed Easel, or removed it (app_uninstalled / tokens_revoked). */
export class NoInstallation extends Error {
  override readonly name = 'NoInstallation';
  constructor(which: string) {
    super(`no Slack installation for ${which}`);
  }
}

export function isNoInstallation(err: unknown): err is NoInstallation {
  return err instanceof Error && err.name === 'NoInstallation';
}

/** The key a workspace's (or org's) installation lives under. */
export function installationKey(prefix: string, q: { isEnterpriseInstall?: boolean; enterpriseId?: string; teamId?: string }): string {
  if (q.isEnterpriseInstall && q.enterpriseId) return `${prefix}:slack:install:enterprise:${q.enterpriseId}`;
  if (!q.teamId) throw new Error('installation query without a team id');
  return `${prefix}:slack:install:team:${q.teamId}`;
}

export class RedisInstallationStore implements InstallationStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly key: Buffer,
  ) {}

  async storeInstallation<AuthVersion extends 'v1' | 'v2'>(installation: Installation<AuthVersion, boolean>): Promise<void> {
    const k = installationKey(this.prefix, {
      isEnterpriseInstall: installation.isEnterpriseInstall,
      enterpriseId: installation.enterprise?.id,
      teamId: installation.team?.id,
    });
    await this.redis.set(k, encryptSecret(JSON.stringify(installation), this.key));
  }

  async fetchInstallation(query: InstallationQuery<boolean>): Promise<Installation<'v1' | 'v2', boolean>> {
    const found = (await this.read(query)) ?? (query.enterpriseId && !query.isEnterpriseInstall ? await this.read({ ...query, isEnterpriseInstall: true }) : undefined);
    // Bolt turns this into a failed authorize(): the event is dropped without a reply.
    if (!found) throw new NoInstallation(query.isEnterpriseInstall ? `enterprise ${query.enterpriseId}` : `team ${query.teamId}`);
    return found;
  }

  async deleteInstallation(query: InstallationQuery<boolean>): Promise<void> {
    await this.redis.del(installationKey(this.prefix, query));
  }

  private async read(query: InstallationQuery<boolean>): Promise<Installation<'v1' | 'v2', boolean> | undefined> {
    let k: string;
    try {
      k = installationKey(this.prefix, query);
    } catch {
      return undefined;
    }
    const stored = await this.redis.get(k);
    return stored ? (JSON.parse(decryptSecret(stored, this.key)) as Installation<'v1' | 'v2', boolean>) : undefined;
  }
}
