import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { addRedactions } from '../../log.js';
import { untilAborted } from '../../server/deadline.js';
import { BackendError, isAbort, isDeadline } from '../../server/errors.js';

type DefaultChain = typeof import('@aws-sdk/credential-provider-node').defaultProvider;
type ChainInit = Parameters<DefaultChain>[0];
type ResolveOptions = Parameters<AwsCredentialIdentityProvider>[0] & { forceRefresh?: boolean };

/**
 * The server's AWS credentials: the SDK's own chain, shared by the backend's clients, resolved
 * before each request so that what goes wrong there is told as a credentials problem that sent
 * nothing (not as an unreachable endpoint, or a write that may have happened), and bounded by the
 * call's time limit (a credential_process waiting for an MFA prompt never returns). Secrets are
 * redacted once resolved, before the request they sign is sent: a backend or proxy that echoes
 * them back shows none of it.
 */
/** Forced refreshes at most this often: a rejection that lasts (a region not enabled, a proxy's 401) must not run the chain at every call. */
const REFRESH_SPACING_MS = 60_000;

export class AwsCredentials {
  private provider: AwsCredentialIdentityProvider | undefined;
  private init: ChainInit | undefined;
  /** The service refused the credentials last used: the next call resolves them anew. */
  private stale = false;
  private lastForcedAt = -Infinity;

  constructor(
    private readonly chain: DefaultChain,
    /** The profile the chain reads, for messages; undefined: the default chain. */
    private readonly profile: string | undefined,
  ) {}

  /** For the SDK clients' credentialDefaultProvider: one chain, whichever client asks. */
  readonly providerFor = (init: ChainInit): AwsCredentialIdentityProvider => {
    this.init ??= init;
    return async (options?: ResolveOptions) => {
      const identity: AwsCredentialIdentity = await this.current()(options);
      addRedactions([identity.secretAccessKey, identity.sessionToken]);
      return identity;
    };
  };

  /**
   * The chain, made anew after one was given up on. Files are read again at every resolution (the
   * SDK otherwise keeps them for the process's life): a credentials file fixed after a failure is
   * seen by the next call. Successes are kept by the chain's own memo, so this costs nothing on
   * the way that works.
   */
  private current(): AwsCredentialIdentityProvider {
    this.provider ??= this.chain({ ...this.init, ignoreCache: true });
    return this.provider;
  }

  /** The service said the credentials are not (or no longer) valid: a fixed file or a new session is picked up next. */
  markStale(): void {
    if (Date.now() - this.lastForcedAt >= REFRESH_SPACING_MS) this.stale = true;
  }

  /**
   * Resolves the credentials the client will sign with (its provider, bound to its config, as the
   * SDK calls it), within `signal`; a failure becomes a BackendError that says nothing was sent.
   */
  async resolve(credentials: (options?: ResolveOptions) => Promise<AwsCredentialIdentity>, operation: string, signal: AbortSignal): Promise<void> {
    const forceRefresh = this.stale;
    this.stale = false;
    if (forceRefresh) this.lastForcedAt = Date.now();
    try {
      await untilAborted(credentials(forceRefresh ? { forceRefresh } : undefined), signal);
    } catch (err) {
      if (signal.aborted && !isDeadline(signal.reason)) throw err;
      // The credentials held before are still there to try (the refresh may fail on a file being edited).
      if (forceRefresh && !signal.aborted) return this.resolve(credentials, operation, signal);
      // A source that does not answer holds the chain's lock for good: the next call starts a fresh chain.
      if (signal.aborted) this.provider = undefined;
      throw this.failure(operation, err, signal);
    }
  }

  private failure(operation: string, err: unknown, signal: AbortSignal): BackendError {
    const source = this.profile ? `the AWS profile "${this.profile}"` : 'the default AWS credential chain (environment, ~/.aws files, SSO, container or instance role)';
    if (signal.aborted) {
      return new BackendError('Step Functions', operation, 'timeout', 'CredentialsTimeout', `the AWS credentials from ${source} did not resolve within the call's time limit, so nothing was sent`, {
        notSent: true,
        hint: "something the credential chain waits on does not answer: a profile's credential_process (run it by hand, and end the one left waiting), an SSO or role login, or the instance metadata service",
      });
    }
    const name = err instanceof Error && !isAbort(err) ? err.name : 'CredentialsProviderError';
    const reason = (err instanceof Error ? err.message : String(err)).split('\n')[0]?.trim().slice(0, 400) ?? '';
    return new BackendError('Step Functions', operation, 'unauthenticated', 'CredentialsUnavailable', `could not load AWS credentials from ${source}, so nothing was sent (${name}: ${reason})`, {
      notSent: true,
      hint:
        'set AWS_PROFILE to a profile that has credentials (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY); for an SSO profile run `aws sso login`. ' +
        'The credential files are read again at the next call: no restart is needed',
    });
  }
}
