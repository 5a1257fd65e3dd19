// sources/vendors.ts names the vendors and their default planes without loading the vendor
// modules (the CLI uses it); it must say what the registry's modules say.
import { describe, expect, it } from 'vitest';
import { SOURCES, KNOWN_VENDORS as REGISTRY_VENDORS } from '../../../sources/registry.ts';
import { KNOWN_VENDORS, VENDOR_DEFAULT_PLANES } from '../../../sources/vendors.ts';

describe('sources/vendors.ts', () => {
  it("lists the registry's vendors with their default planes", () => {
    expect([...KNOWN_VENDORS].sort()).toEqual([...REGISTRY_VENDORS].sort());
    expect(VENDOR_DEFAULT_PLANES).toEqual(Object.fromEntries(Object.values(SOURCES).map((s) => [s.name, s.defaultPlane])));
  });
});
