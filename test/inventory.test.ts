import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getMcpConfigForManifest, type McpbManifestAny } from '@anthropic-ai/mcpb';
import { TOOLSETS, loadConfig } from '../src/config.js';
import { annotationsFor } from '../src/server/define-tool.js';
import { allTools } from '../src/server/inventory.js';
import { VERSION } from '../src/version.js';
import { testConfig } from './helpers/config.js';
import { connect, type Harness } from './helpers/harness.js';

/**
 * The tool listing is part of the product's interface: snapshot it per tool (like
 * github-mcp-server's toolsnaps) so every change to a name, description or schema is reviewed.
 * Regenerate with UPDATE_TOOLSNAPS=1 npx vitest run test/inventory.test.ts
 */
const SNAP_DIR = join(import.meta.dirname, '__toolsnaps__');
const ROOT = join(import.meta.dirname, '..');

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  additionalProperties?: JsonSchema | boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  description?: string;
};

interface ListedTool {
  name: string;
  title?: string;
  description?: string;
  inputSchema: JsonSchema;
  outputSchema?: JsonSchema;
  annotations?: Record<string, unknown>;
}

let full: Harness;
let readOnly: Harness;
let listed: ListedTool[];

beforeAll(async () => {
  full = await connect(testConfig(['--allow-writes', '--toolsets', TOOLSETS.join(',')], { ONA_API_KEY: 'test-key-not-used' }));
  readOnly = await connect(testConfig([], {}));
  listed = (await full.client.listTools()).tools as ListedTool[];
});

afterAll(async () => {
  await full.close();
  await readOnly.close();
});

function numericFieldsWithoutBounds(schema: JsonSchema, path: string): string[] {
  const out: string[] = [];
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes('number') || types.includes('integer')) {
    const hasMin = schema.minimum !== undefined || schema.exclusiveMinimum !== undefined;
    const hasMax = schema.maximum !== undefined || schema.exclusiveMaximum !== undefined;
    const huge = Math.abs(schema.maximum ?? 0) >= Number.MAX_SAFE_INTEGER || Math.abs(schema.minimum ?? 0) >= Number.MAX_SAFE_INTEGER;
    if (!hasMin || !hasMax || huge) out.push(path);
  }
  for (const [key, child] of Object.entries(schema.properties ?? {})) out.push(...numericFieldsWithoutBounds(child, `${path}.${key}`));
  if (schema.items) out.push(...numericFieldsWithoutBounds(schema.items, `${path}[]`));
  for (const alt of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) out.push(...numericFieldsWithoutBounds(alt, path));
  if (typeof schema.additionalProperties === 'object') out.push(...numericFieldsWithoutBounds(schema.additionalProperties, `${path}{}`));
  return out;
}

describe('tool inventory', () => {
  it('lists every defined tool, in the fixed order, when all toolsets and writes are on', () => {
    expect(listed.map((t) => t.name)).toEqual(allTools().map((t) => t.name));
  });

  it('matches the tool snapshots', () => {
    // A missing snapshot is a failure, locally as in CI: writing it here would let any schema pass
    // the first run. UPDATE_TOOLSNAPS=1 (re)writes them, to be reviewed and committed.
    const update = process.env.UPDATE_TOOLSNAPS === '1';
    if (update) mkdirSync(SNAP_DIR, { recursive: true });
    for (const tool of listed) {
      const file = join(SNAP_DIR, `${tool.name}.json`);
      const current = `${JSON.stringify(tool, null, 2)}\n`;
      if (update) {
        writeFileSync(file, current);
        continue;
      }
      if (!existsSync(file)) throw new Error(`missing toolsnap ${file}; run UPDATE_TOOLSNAPS=1 npx vitest run test/inventory.test.ts and commit it`);
      expect(current, `${tool.name} changed; if intended, regenerate with UPDATE_TOOLSNAPS=1`).toBe(readFileSync(file, 'utf8'));
    }
    // A snapshot of a tool that is no longer listed is stale.
    const snapped = readdirSync(SNAP_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length));
    expect(snapped.sort(), 'snapshots without a tool: delete them').toEqual(listed.map((t) => t.name).sort());
  });

  it('has portable input schemas: flat objects, no top-level unions, every field described, every number bounded', () => {
    for (const tool of listed) {
      const schema = tool.inputSchema;
      expect(schema.type, tool.name).toBe('object');
      expect(schema.anyOf ?? schema.oneOf ?? schema.allOf, `${tool.name} has a top-level union`).toBeUndefined();
      for (const [field, prop] of Object.entries(schema.properties ?? {})) {
        expect(prop.description, `${tool.name}.${field} lacks a description`).toBeTruthy();
      }
      expect(numericFieldsWithoutBounds(schema, tool.name)).toEqual([]);
      expect(tool.outputSchema?.type, `${tool.name} output`).toBe('object');
      expect(tool.description && tool.description.length < 700, `${tool.name} description length`).toBe(true);
    }
  });

  it('derives annotations from the operation kind', () => {
    const byName = new Map(allTools().map((t) => [t.name, t]));
    for (const tool of listed) {
      const def = byName.get(tool.name);
      expect(def).toBeDefined();
      expect(tool.annotations).toMatchObject({ ...annotationsFor(def?.operation ?? 'read') });
    }
    expect(annotationsFor('destructive').destructiveHint).toBe(true);
    expect(annotationsFor('read').readOnlyHint).toBe(true);
    expect(annotationsFor('write').readOnlyHint).toBe(false);
  });

  it('keeps one tool per file, found by its name', () => {
    for (const tool of allTools()) {
      const file = join(ROOT, 'src', 'tools', tool.toolset === 'stepfunctions' ? 'sfn' : tool.toolset, `${tool.name.replace(/_/g, '-')}.ts`);
      expect(existsSync(file), file).toBe(true);
    }
  });

  it('lists no write tool in read-only mode, and a write call is refused as unknown', async () => {
    const names = (await readOnly.client.listTools()).tools.map((t) => t.name);
    const writes = allTools().filter((t) => t.operation !== 'read').map((t) => t.name);
    expect(writes.length).toBeGreaterThan(0);
    for (const w of writes) expect(names).not.toContain(w);
    await expect(
      readOnly.client.callTool({ name: 'stop_execution', arguments: { executionArn: 'arn:aws:states:us-east-1:1:execution:a:b' } }),
    ).rejects.toThrow(/not found/i);
  });

  it('does not promise tools/list_changed: the tool list is fixed for the life of the process', () => {
    expect(readOnly.client.getServerCapabilities()?.tools).toEqual({ listChanged: false });
  });
});

describe('docs and bundle stay in step with the inventory', () => {
  it('README tool table lists exactly the tools, with toolset and kind', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\| `([a-z_]+)` \| `([a-z_]+)` \| (read|write|destructive) \|/gm)].map((m) => ({
      name: m[1],
      toolset: m[2],
      operation: m[3],
    }));
    expect(rows).toEqual(allTools().map((t) => ({ name: t.name, toolset: t.toolset, operation: t.operation })));
  });

  it('manifest.json lists the tools and carries the package version', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8')) as {
      version: string;
      tools: Array<{ name: string; description: string }>;
      server: { mcp_config: { env: Record<string, string> } };
    };
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(manifest.version).toBe(pkg.version);
    expect(VERSION).toBe(pkg.version);
    expect(manifest.tools.map((t) => t.name)).toEqual(allTools().map((t) => t.name));
    for (const t of manifest.tools) expect(t.description.length).toBeGreaterThan(10);
    expect(Object.keys(manifest.server.mcp_config.env)).toEqual(expect.arrayContaining(['AWS_PROFILE', 'AWS_REGION', 'EXECUTIONS_MCP_ALLOW_WRITES']));
  });

  it('manifest.json leaves no placeholder in the environment when the optional fields are left empty', async () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8')) as McpbManifestAny;
    // What the host builds from the manifest when the user fills in only the required region.
    const mcp = await getMcpConfigForManifest({ manifest, extensionPath: ROOT, systemDirs: {}, userConfig: { aws_region: 'eu-west-1' }, pathSeparator: '/' });
    const env = mcp?.env ?? {};
    expect(Object.values(env).filter((v) => v.includes('${'))).toEqual([]);
    const loaded = loadConfig([], env);
    expect(loaded.kind).toBe('run');
    if (loaded.kind !== 'run') return;
    expect(loaded.config.aws).toMatchObject({ region: 'eu-west-1', profile: undefined });
    expect(loaded.config.ona.apiKey).toBeUndefined();
    expect(loaded.config.allowWrites).toBe(false);
  });

  it('manifest.json passes mcpb validate', async () => {
    const cli = join(ROOT, 'node_modules', '@anthropic-ai', 'mcpb', 'dist', 'cli', 'cli.js');
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'validate', join(ROOT, 'manifest.json')]);
    expect(stdout).toMatch(/validation passes/i);
  });
});
