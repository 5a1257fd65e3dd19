// Entry of the all-in-one's normalizer worker thread (services/all-in-one/normalizer-thread.ts).
// A worker thread does not inherit the tsx loader of the thread that starts it (Node 20: `execArgv:
// ['--import', 'tsx']` still fails with ERR_UNKNOWN_FILE_EXTENSION), so this plain-JS entry registers
// tsx's ESM hooks for the thread and then imports the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import(new URL('./normalizer-worker.ts', import.meta.url).href);
