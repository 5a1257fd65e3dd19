// What CLI commands share: env + boundary map (validated up front), and a way to read data either
// from the running planewatch process (its local API) or, when none runs, from ClickHouse directly
// (cli/store-context.ts, which commands that need no boundary map use on their own).
import { loadBoundaryMap, type LoadedConfig } from '../core/config/load.ts';
import { KNOWN_VENDORS } from '../sources/vendors.ts';
import { storeContext, type StoreContext } from './store-context.ts';

export { fromRunningApi, withClickHouse, storeContext, type StoreContext } from './store-context.ts';

export interface CliContext extends StoreContext {
  config: LoadedConfig;
}

export function cliContext(): CliContext {
  const ctx = storeContext();
  return { ...ctx, config: loadBoundaryMap({ configPath: ctx.env.PLANEWATCH_CONFIG, knownVendors: KNOWN_VENDORS }) };
}
