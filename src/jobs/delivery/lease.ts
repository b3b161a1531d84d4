/**
 * Fenced leases in Redis: `SET key <token> NX PX ttl` with a fresh token per holder, renewed
 * (compare-and-PEXPIRE) every third of its life while the holder works, released with
 * compare-and-delete — a holder never drops or extends another holder's lease. A holder that dies
 * simply stops renewing, and the lease lapses after `ttl`.
 *
 * Used for a final delivery's claim (`delivering:<jobId>`), a status edit's gate (`editing:<jobId>`)
 * and a platform's editor role (`editor:<platform>`).
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
/** Renewed this many times per lifetime, so one slow renewal never lets it lapse. */
const RENEWALS_PER_TTL = 3;

export interface Lease {
  readonly key: string;
  readonly token: string;
  /** Stop renewing; the lease lapses by itself after its ttl (a holder whose work outlived its deadline). */
  stopRenewing(): void;
  /** Stop renewing and delete the lease if it is still this holder's. Never throws. */
  release(): Promise<void>;
}

export class FencedLeases {
  constructor(private readonly redis: Redis) {}

  /**
   * Take `key` for `ttlMs` (renewed until released), or undefined when someone else holds it.
   * `onLost` is called once if a renewal finds the lease gone or taken (it lapsed meanwhile).
   */
  async acquire(key: string, ttlMs: number, onLost?: () => void): Promise<Lease | undefined> {
    const token = randomUUID();
    if ((await this.redis.set(key, token, 'PX', ttlMs, 'NX')) !== 'OK') return undefined;
    const renewal = setInterval(() => {
      this.redis.eval(RENEW, 1, key, token, ttlMs).then(
        (renewed) => {
          if (renewed === 0 && onLost) {
            clearInterval(renewal);
            onLost();
          }
        },
        () => undefined,
      );
    }, Math.max(1, Math.floor(ttlMs / RENEWALS_PER_TTL)));
    renewal.unref();
    const stopRenewing = () => clearInterval(renewal);
    return {
      key,
      token,
      stopRenewing,
      release: async () => {
        stopRenewing();
        await this.redis.eval(RELEASE, 1, key, token).catch(() => undefined);
      },
    };
  }

  /** Milliseconds until `key` lapses: 0 when nobody holds it. */
  async remainingMs(key: string): Promise<number> {
    return Math.max(0, await this.redis.pttl(key));
  }
}
