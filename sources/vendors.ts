// The vendors planewatch ships and the plane each feeds by default, without loading their modules
// (sources/registry.ts loads them all, vendor SDKs included: over a thousand modules). The CLI
// validates the boundary map and picks default planes from this table alone;
// test/unit/sources/vendors.test.ts keeps it equal to the registry.
import type { Plane } from '../core/events/identity-event.ts';

export const VENDOR_DEFAULT_PLANES: Readonly<Record<string, Plane>> = Object.freeze({
  workos: 'application',
  openai: 'platform',
  okta: 'platform',
  auth0: 'application',
  aws: 'platform',
  scim: 'application',
  anthropic: 'platform',
  github: 'platform',
});

export const KNOWN_VENDORS: readonly string[] = Object.keys(VENDOR_DEFAULT_PLANES);
