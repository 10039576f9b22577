// Bundles the CLI: one file for what every start loads (our code, the MCP SDK, zod), chunks for
// what is imported lazily (HTTP transport, local engine, backend clients). Resolving and reading
// hundreds of small ESM files was about a third of the start time (bench part 2).
import { defineConfig } from 'rolldown';

// Left as npm installed them: big, CommonJS-heavy, and loaded only when a backend is first used.
// jsonpath-plus too: the engine patches the very module instance aws-local-stepfunctions imports.
const EXTERNAL = /^(@aws-sdk|@smithy|aws-local-stepfunctions|jsonpath-plus|undici)(\/|$)/;

export default defineConfig({
  input: { cli: 'src/cli.ts' },
  platform: 'node',
  external: EXTERNAL,
  output: {
    dir: 'dist',
    format: 'esm',
    cleanDir: true,
    // Not minified, so a logged stack reads as it is; maps would add 2.5 MB of dependency sources.
    sourcemap: false,
    entryFileNames: '[name].js',
    chunkFileNames: '[name]-[hash].js',
  },
});
