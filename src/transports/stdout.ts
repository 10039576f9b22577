import { Writable } from 'node:stream';

/**
 * On stdio, stdout belongs to the protocol. Returns a writable for the protocol alone, on the real
 * stdout; process.stdout.write goes to stderr from now on, so a local task handler or a dependency
 * that prints cannot corrupt the stream. Call before anything else can print.
 */
export function takeStdout(): Writable {
  const write = process.stdout.write.bind(process.stdout) as (chunk: Buffer | string, cb: (err?: Error | null) => void) => boolean;
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  // Write errors (EPIPE when the host is gone) reach the transport through the write callback.
  process.stdout.on('error', () => undefined);
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      write(chunk, (err) => done(err ?? null));
    },
  });
  // The transport waits on 'drain' once per answer still queued: many concurrent answers are normal.
  out.setMaxListeners(0);
  return out;
}
