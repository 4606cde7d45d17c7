/**
 * Guards shared by the conversation layer and the HTTP server: a per-key rate
 * limiter and a constant-time comparison for secrets.
 */
import { timingSafeEqual } from 'node:crypto';

/** Token bucket per key (user, client address): bursts allowed, sustained rate bounded. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perMinute: number,
    /** Keys remembered at most; the oldest are forgotten first. */
    private readonly maxKeys = 20_000,
  ) {}

  /** Takes one token for `key`; false when the key is over its rate. */
  take(key: string, now = Date.now()): boolean {
    const b = this.buckets.get(key) ?? { tokens: this.perMinute, at: now };
    b.tokens = Math.min(this.perMinute, b.tokens + ((now - b.at) / 60_000) * this.perMinute);
    b.at = now;
    this.buckets.set(key, b);
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}

/** Constant-time string comparison; the lengths are hidden too. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  const len = Math.max(x.length, y.length, 1);
  const xa = Buffer.alloc(len);
  const ya = Buffer.alloc(len);
  x.copy(xa);
  y.copy(ya);
  return timingSafeEqual(xa, ya) && x.length === y.length;
}
