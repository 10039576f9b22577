import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ApiError } from './errors.js';

/**
 * Paging tokens: opaque, signed with a per-engine key, bound to the operation and its other
 * arguments, and valid for 24 hours like AWS's. Expired, tampered or mismatched tokens are
 * rejected with InvalidToken.
 */

export const TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

export class TokenCodec {
  private readonly key = randomBytes(32);
  constructor(private readonly now: () => number) {}

  issue(operation: string, fingerprint: string, position: number): string {
    const body = Buffer.from(JSON.stringify([operation, fingerprint, position, this.now()])).toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  read(operation: string, fingerprint: string, token: unknown, maxLength: number): number {
    if (typeof token !== 'string' || token.length < 1 || token.length > maxLength) {
      throw new ApiError(
        'ValidationException',
        `1 validation error detected: Value at 'nextToken' failed to satisfy constraint: Member must have length between 1 and ${maxLength}`,
      );
    }
    const [body, mac, extra] = token.split('.');
    if (!body || !mac || extra !== undefined) throw invalid(token);
    // Well formed but signed with another key: another engine process (a restart, another replica).
    if (!this.verify(body, mac)) throw new ApiError('InvalidToken', 'Invalid Token: not issued by this engine (an embedded engine reads only its own tokens, and they end with its process)');
    let fields: unknown;
    try {
      fields = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      throw invalid(token);
    }
    if (!Array.isArray(fields) || fields.length !== 4) throw invalid(token);
    const [op, fp, position, issued] = fields as unknown[];
    if (op !== operation || typeof position !== 'number' || typeof issued !== 'number') throw invalid(token);
    if (fp !== fingerprint) {
      throw new ApiError('InvalidToken', 'Invalid Token: the token was issued for a request with different arguments; repeat the other arguments unchanged');
    }
    if (this.now() - issued > TOKEN_TTL_MS) {
      throw new ApiError('InvalidToken', 'Invalid Token: the token has expired (tokens are valid for 24 hours); start again without nextToken');
    }
    return position;
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest().subarray(0, 16).toString('base64url');
  }

  private verify(body: string, mac: string): boolean {
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(mac);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}

function invalid(token: string): ApiError {
  return new ApiError('InvalidToken', `Invalid Token: '${token.length > 64 ? `${token.slice(0, 64)}…` : token}'`);
}
