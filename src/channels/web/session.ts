/**
 * Web chat sessions: ids issued by the server, signed with a key kept in
 * DATA_DIR, in their own namespace ("w…", channel "web"). A browser cannot pick
 * its id, so it can never pass itself off as a Telegram or Zalo chat, and an id
 * issued after the access code was checked carries that fact in its signature.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../corpus/store.js';
import { safeEqual } from '../../conversation/guards.js';

/** Whether the session was issued with the access code ('a') or on an open server ('o'). */
export type SessionGrant = 'a' | 'o';

const RANDOM_CHARS = 24; // 18 random bytes, base64url
const MAC_CHARS = 22; // 16 bytes of HMAC-SHA256, base64url
const SESSION_ID = /^w[ao][\w-]{46}$/;

export class WebSessions {
  constructor(private readonly key: Buffer) {}

  /** A new session id. */
  issue(grant: SessionGrant): string {
    const body = `w${grant}${randomBytes(18).toString('base64url')}`;
    return body + this.mac(body);
  }

  /** The grant of a genuine id, or null for anything the server did not issue. */
  verify(id: unknown): SessionGrant | null {
    if (typeof id !== 'string' || !SESSION_ID.test(id)) return null;
    const body = id.slice(0, 2 + RANDOM_CHARS);
    if (!safeEqual(id.slice(2 + RANDOM_CHARS), this.mac(body))) return null;
    return id[1] as SessionGrant;
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest().subarray(0, 16).toString('base64url').slice(0, MAC_CHARS);
  }
}

/**
 * The signing key from DATA_DIR/web-session.key, created on first use (so
 * sessions survive a restart). Without a data directory, a key for this process.
 */
export function loadSessionKey(dataDir?: string): Buffer {
  if (!dataDir) return randomBytes(32);
  const file = join(dataDir, 'web-session.key');
  if (existsSync(file)) {
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length >= 32) return key;
  }
  const key = randomBytes(32);
  writeFileAtomic(file, key.toString('base64'));
  chmodSync(file, 0o600);
  return key;
}
