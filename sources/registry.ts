// Every vendor module planewatch ships. Adding a vendor: create sources/<vendor>/ with the common file
// set (CONTRIBUTING.md, "add a vendor") and add it here; test/unit/sources/conformance.test.ts then
// checks its files, webhook authentication, samples and redaction without further changes.
import type { SourceModule } from '../source-kit/source-module.ts';
import { workos } from './workos/index.ts';
import { openai } from './openai/index.ts';
import { okta } from './okta/index.ts';
import { auth0 } from './auth0/index.ts';
import { aws } from './aws/index.ts';
import { scim } from './scim/index.ts';
import { anthropic } from './anthropic/index.ts';
import { github } from './github/index.ts';

export const SOURCES: Readonly<Record<string, SourceModule>> = Object.freeze({
  [workos.name]: workos,
  [openai.name]: openai,
  [okta.name]: okta,
  [auth0.name]: auth0,
  [aws.name]: aws,
  [scim.name]: scim,
  [anthropic.name]: anthropic,
  [github.name]: github,
});

export const KNOWN_VENDORS: readonly string[] = Object.keys(SOURCES);
