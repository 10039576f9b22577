import { createRequire } from 'node:module';

/**
 * asl-validator, which the library validates every definition with, builds a new Ajv and compiles
 * the whole ASL schema for each definition: ~95 ms apiece, a minute and a half for a directory of
 * 1,000 machines. While withSharedSchemaCompiler runs, its Ajv constructor hands back one instance,
 * set up and compiled by the first call; later calls get a view of it whose set-up is a no-op (the
 * formats they would add are the same) and whose errors are their own. ~1 ms per definition.
 *
 * Sound because the engine always validates with the library's defaults (checkArn and checkPaths
 * on): the formats compiled into the shared instance are the ones every later call would add.
 */

interface Ajv {
  validate(schemaRef: string, data: unknown): boolean;
  errors?: unknown;
}
type AjvConstructor = new (options: unknown) => Ajv;
interface AjvModule {
  default: AjvConstructor;
}

/** Null once resolving it failed: validation then goes on unshared, slower but the same. */
let ajvModule: AjvModule | null | undefined;
let shared: Ajv | undefined;

/** The ajv asl-validator requires: resolved from it, so a second copy elsewhere is not the one patched. */
function validatorsAjv(): AjvModule | null {
  if (ajvModule === undefined) {
    try {
      const fromHere = createRequire(import.meta.url);
      const fromLibrary = createRequire(fromHere.resolve('aws-local-stepfunctions'));
      const fromValidator = createRequire(fromLibrary.resolve('asl-validator'));
      const found = fromValidator('ajv') as Partial<AjvModule> | undefined;
      ajvModule = typeof found?.default === 'function' ? (found as AjvModule) : null;
    } catch {
      ajvModule = null;
    }
  }
  return ajvModule;
}

function viewOf(compiled: Ajv): Ajv {
  const view = Object.create(compiled) as Ajv & { addFormat(): Ajv; addKeyword(): Ajv };
  view.addFormat = () => view;
  view.addKeyword = () => view;
  view.validate = (schemaRef, data) => {
    const valid = compiled.validate(schemaRef, data);
    view.errors = compiled.errors;
    return valid;
  };
  return view;
}

/** Runs `validate` (synchronous: the constructor is swapped only while it runs) with the shared compiler. */
export function withSharedSchemaCompiler<T>(validate: () => T): T {
  const ajv = validatorsAjv();
  if (!ajv) return validate();
  const original = ajv.default;
  // A function called with new that returns an object yields that object.
  let created = false;
  ajv.default = function SharedAjv(options: unknown): Ajv {
    if (!shared) {
      shared = new original(options);
      created = true;
      return shared;
    }
    return viewOf(shared);
  } as unknown as AjvConstructor;
  try {
    return validate();
  } catch (err) {
    // Its set-up may not have finished: the next call builds the shared instance afresh.
    if (created) shared = undefined;
    throw err;
  } finally {
    ajv.default = original;
  }
}
