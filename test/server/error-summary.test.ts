import { describe, expect, it } from 'vitest';
import { BackendError, errorSummary } from '../../src/server/errors.js';
import { UntrustedFence } from '../../src/server/render.js';

/** errorSummary's edges that the backends' own errors do not reach (error-fence.test.ts in test/sfn, test/ona and test/local covers those). */

const error = (code: string, message: string, said?: string) => new BackendError('Ona', 'GetAgentExecution', 'not_found', code, message, said === undefined ? {} : { said });

describe('errorSummary', () => {
  it("fences only the backend's words, their stop inside the fence when ours follow", () => {
    const fence = new UntrustedFence();
    const shown = errorSummary(error('not_found', 'gone (Ona said: it is gone.).', 'it is gone.'), fence);
    expect(shown).toBe(`not_found: gone (Ona said: <untrusted-data-${fence.id}>it is gone.</untrusted-data-${fence.id}>)`);
    expect(fence.used).toBe(true);
  });

  it("fences the whole message when the backend's words are not found in it", () => {
    const fence = new UntrustedFence();
    expect(errorSummary(error('not_found', 'ours, then theirs reworded', 'their words'), fence)).toBe(`not_found: <untrusted-data-${fence.id}>ours, then theirs reworded</untrusted-data-${fence.id}>`);
  });

  it('fences a code that is no identifier, and leaves a message all ours bare', () => {
    const fence = new UntrustedFence();
    expect(errorSummary(error('Not A Code', 'our own words.'), fence, ' (HTTP 400)')).toBe(`<untrusted-data-${fence.id}>Not A Code</untrusted-data-${fence.id}> (HTTP 400): our own words`);
    const bare = new UntrustedFence();
    expect(errorSummary(error('not_found', 'our own words.'), bare)).toBe('not_found: our own words');
    expect(bare.used).toBe(false);
  });
});
