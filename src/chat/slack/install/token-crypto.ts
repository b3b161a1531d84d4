/**
 * Encryption at rest for Slack installations (bot tokens, refresh tokens): AES-256-GCM with
 * EASEL_TOKEN_KEY (32 random bytes, base64; config.ts decodes it). A fresh 12-byte IV per write; the GCM tag makes a
 * tampered or wrong-key record fail loudly instead of yielding a garbage token.
 *
 * Stored form: "v1:<iv b64>:<tag b64>:<ciphertext b64>" — the version lets the format change later.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const ALGORITHM = 'aes-256-gcm';

export function encryptSecret(plaintext: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv(ALGORITHM, key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(':');
}

/** Throws when the record was written with another key or altered. */
export function decryptSecret(stored: string, key: Buffer): string {
  const [version, iv, tag, body] = stored.split(':');
  if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('unrecognised encrypted record');
  const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(iv, 'base64'));
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
}
