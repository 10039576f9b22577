import { afterEach, describe, expect, it, vi } from 'vitest';
import { log, redact, setLogLevel, setQuiet, setRedactions } from '../../src/log.js';

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

  it('replaces a very short secret only where it stands alone, so words containing it stay intact', () => {
    setRedactions(['other']);
    expect(redact('from another server; token other.')).toBe('from another server; token [redacted].');
    setRedactions(['a.b+c']);
    expect(redact('secret a.b+c and axbxc')).toBe('secret [redacted] and axbxc');
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
});
