import { afterEach, describe, expect, it } from 'vitest';
import { redact, setRedactions } from '../../src/log.js';

describe('redact()', () => {
  afterEach(() => setRedactions([]));

  it('replaces a long secret wherever it appears', () => {
    setRedactions(['s3cr3t-0123456789abcdef']);
    expect(redact('key=s3cr3t-0123456789abcdef; xs3cr3t-0123456789abcdefx')).toBe('key=[redacted]; x[redacted]x');
  });

  it('replaces a short secret only where it stands alone, so words containing it stay intact', () => {
    setRedactions(['other']);
    expect(redact('from another server; token other.')).toBe('from another server; token [redacted].');
    setRedactions(['a.b+c']);
    expect(redact('secret a.b+c and axbxc')).toBe('secret [redacted] and axbxc');
  });
});
