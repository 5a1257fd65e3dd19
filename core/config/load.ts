// Loads and validates the boundary map (PLANEWATCH_CONFIG, default ./planewatch.yaml; the embedded
// default when neither exists) and the environment variables it names.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { BoundaryMapSchema, type BoundaryMap } from './boundary-map.ts';
import { DEFAULT_BOUNDARY_MAP } from './defaults.ts';
import { ConfigError, zodProblems } from './errors.ts';

export interface LoadedConfig {
  map: BoundaryMap;
  /** File the map came from, or 'embedded defaults'. */
  origin: string;
  embedded: boolean;
}

export interface LoadOptions {
  configPath?: string | undefined;
  cwd?: string;
  /** Vendor names that have a module under sources/; a connection naming another is an error. */
  knownVendors?: readonly string[];
}

export function parseBoundaryMap(text: string, origin: string, knownVendors?: readonly string[]): BoundaryMap {
  let doc: unknown;
  try {
    doc = origin.endsWith('.json') ? JSON.parse(text) : YAML.parse(text, { prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    throw new ConfigError([`not valid ${origin.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`], origin);
  }
  return validateBoundaryMap(doc ?? {}, origin, knownVendors);
}

export function validateBoundaryMap(doc: unknown, origin: string, knownVendors?: readonly string[]): BoundaryMap {
  const parsed = BoundaryMapSchema.safeParse(doc);
  if (!parsed.success) throw new ConfigError(zodProblems(parsed.error), origin);
  if (knownVendors) {
    const problems: string[] = [];
    parsed.data.connections.forEach((c, i) => {
      if (!knownVendors.includes(c.vendor)) {
        problems.push(`connections[${i}].vendor: unknown vendor "${c.vendor}"; expected one of ${knownVendors.join(', ')}`);
      }
    });
    if (problems.length) throw new ConfigError(problems, origin);
  }
  return parsed.data;
}

export function loadBoundaryMap(opts: LoadOptions = {}): LoadedConfig {
  const cwd = opts.cwd ?? process.cwd();
  if (opts.configPath) {
    const file = path.resolve(cwd, opts.configPath);
    if (!existsSync(file)) {
      throw new ConfigError(
        [`PLANEWATCH_CONFIG points to ${file}, which does not exist; fix the path or unset it to use ./planewatch.yaml`],
        'PLANEWATCH_CONFIG',
      );
    }
    return { map: parseBoundaryMap(readFileSync(file, 'utf8'), file, opts.knownVendors), origin: file, embedded: false };
  }
  const fallback = path.resolve(cwd, 'planewatch.yaml');
  if (existsSync(fallback)) {
    return { map: parseBoundaryMap(readFileSync(fallback, 'utf8'), fallback, opts.knownVendors), origin: fallback, embedded: false };
  }
  return {
    map: validateBoundaryMap(DEFAULT_BOUNDARY_MAP, 'embedded defaults', opts.knownVendors),
    origin: 'embedded defaults',
    embedded: true,
  };
}
