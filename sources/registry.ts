// Every vendor module planewatch ships. Adding a vendor: create sources/<vendor>/ and add it here.
import type { SourceModule } from '../core/sources/source-module.ts';
import { workos } from './workos/index.ts';

export const SOURCES: Readonly<Record<string, SourceModule>> = Object.freeze({
  [workos.name]: workos,
});

export const KNOWN_VENDORS: readonly string[] = Object.keys(SOURCES);
