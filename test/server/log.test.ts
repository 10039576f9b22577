import { afterEach, describe, expect, it, vi } from 'vitest';
import { addRedactions, log, redact, redactDeep, setLogLevel, setQuiet, setRedactions } from '../../src/log.js';

describe('redact()', () => {
  afterEach(() => setRedactions([]));

  it('replaces a long secret wherever it appears', () => {
    setRedactions(['s3cr3t-0123456789abcdef']);
    expect(redact('key=s3cr3t-0123456789abcdef; xs3cr3t-0123456789abcdefx')).toBe('key=[redacted]; x[redacted]x');
  });

  it('replaces a secret of 8 characters or more wherever it appears, escaped or encoded around it', () => {
    setRedactions(['s3cr3tTok']);
    expect(redact('token:\ns3cr3tTok and key%3Ds3cr3tTok')).toBe('token:\n[redacted] and key%3D[redacted]');
  });

  it('results keep a short secret\'s escaped forms too, however long they are ("/api/" URL-encoded is 9 characters)', () => {
    setRedactions(['/api/']);
    expect(redactDeep({ path: 'https://x.example%2Fapi%2Fv1' })).toEqual({ path: 'https://x.example%2Fapi%2Fv1' });
    setRedactions(['a/secret/key']);
    expect(redactDeep({ php: 'a\\/secret\\/key', url: 'a%2Fsecret%2Fkey' })).toEqual({ php: '[redacted]', url: '[redacted]' });
  });

  it('replaces a very short secret only where it stands alone, so words containing it stay intact', () => {
    setRedactions(['other']);
    expect(redact('from another server; token other.')).toBe('from another server; token [redacted].');
    setRedactions(['a.b+c']);
    expect(redact('secret a.b+c and axbxc')).toBe('secret [redacted] and axbxc');
  });
});

describe('encoded forms of a secret', () => {
  afterEach(() => setRedactions([]));
  const SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCY!'()*";

  it.each([
    ['JavaScript (encodeURIComponent)', encodeURIComponent(SECRET)],
    ['.NET (lower-case hex)', encodeURIComponent(SECRET).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())],
    ["Python's quote (\"/\" kept, !'()* encoded)", 'wJalrXUtnFEMI/K7MDENG%2BbPxRfiCY%21%27%28%29%2A'],
    ['RFC 3986, lower-case hex', 'wJalrXUtnFEMI%2fK7MDENG%2bbPxRfiCY%21%27%28%29%2a'],
  ])('%s is redacted in results and logs', (_, form) => {
    setRedactions([SECRET]);
    expect(redactDeep({ url: `https://x.example/?sig=${form}&a=1` })).toEqual({ url: 'https://x.example/?sig=[redacted]&a=1' });
    expect(redact(`sig=${form}`)).toBe('sig=[redacted]');
  });

  it('a learnt secret holding a lone surrogate is redacted as it is, not thrown on (it has no percent-encoding)', () => {
    addRedactions(['broken-secret-\ud800-key']);
    expect(redact('key=broken-secret-\ud800-key.')).toBe('key=[redacted].');
    setRedactions([]);
  });

  it('secrets learnt after start (resolved credentials) are redacted beside the configured ones, and a reset forgets them', () => {
    setRedactions(['configured-secret-1234']);
    addRedactions(['profile-secret-key-5678', undefined, 'ab']);
    expect(redact('configured-secret-1234 profile-secret-key-5678 ab')).toBe('[redacted] [redacted] ab');
    expect(redactDeep({ v: 'profile-secret-key-5678' })).toEqual({ v: '[redacted]' });
    setRedactions([]);
    expect(redact('profile-secret-key-5678')).toBe('profile-secret-key-5678');
  });
});

describe('log lines', () => {
  it('redact values before JSON escapes them, so a short secret after a newline is still caught', () => {
    setRedactions(['tok42']);
    setQuiet(false);
    setLogLevel('info');
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      log.info('bad header\ntok42', { detail: { text: 'Bearer\ntok42' } });
      const line = String(write.mock.calls[0]?.[0]);
      expect(line).not.toContain('tok42');
      expect(JSON.parse(line)).toMatchObject({ message: 'bad header\n[redacted]', detail: { text: 'Bearer\n[redacted]' } });
    } finally {
      write.mockRestore();
      setRedactions([]);
      setQuiet(true);
    }
  });

  it('redactDeep copies only what holds a secret, leaves the input untouched, and skips short secrets', () => {
    setRedactions(['s3cr3t-0123456789abcdef', 'true']);
    const clean = { items: [{ name: 'a', ok: true }], note: 'true story' };
    expect(redactDeep(clean)).toBe(clean);
    const dirty = { items: [{ name: 'a' }, { name: 'key=s3cr3t-0123456789abcdef' }], token: 'tok' };
    const out = redactDeep(dirty);
    expect(out).toEqual({ items: [{ name: 'a' }, { name: 'key=[redacted]' }], token: 'tok' });
    expect(out.items[0]).toBe(dirty.items[0]);
    expect(dirty.items[1]?.name).toBe('key=s3cr3t-0123456789abcdef');
    // Keys are backend data too (an annotation named after the secret), and keep their order.
    const keyed = { annotations: { team: 'qa', 's3cr3t-0123456789abcdef': 's3cr3t-0123456789abcdef', last: 1 } };
    const redacted = redactDeep(keyed);
    expect(redacted).toEqual({ annotations: { team: 'qa', '[redacted]': '[redacted]', last: 1 } });
    expect(Object.keys(redacted.annotations)).toEqual(['team', '[redacted]', 'last']);
    expect(Object.keys(keyed.annotations)).toContain('s3cr3t-0123456789abcdef');
  });
});
