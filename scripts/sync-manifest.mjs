// Regenerates manifest.json's "tools" and "version" from the built inventory (run after npm run build).
import { readFileSync, writeFileSync } from 'node:fs';
import { allTools } from '../dist/server/inventory.js';

const path = new URL('../manifest.json', import.meta.url);
const manifest = JSON.parse(readFileSync(path, 'utf8'));
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
manifest.version = pkg.version;
manifest.tools = allTools().map((tool) => ({ name: tool.name, description: tool.description.split('. ')[0].replace(/\.$/, '') + '.' }));
writeFileSync(path, `${JSON.stringify(manifest, null, 2)}\n`);
process.stderr.write(`manifest.json: ${manifest.tools.length} tools\n`);
