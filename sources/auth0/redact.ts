// Auth0 log records carry secrets the stream forwards as they are: the Management API caller's
// token details (`details.request.auth.credentials`, with the token's `jti`), request bodies with
// passwords (signup, PATCH /api/v2/users, SCIM POST/PUT/PATCH), client secrets in responses
// (POST /api/v2/clients, rotate-secret) and token ids (`access_token_jti`). Every one is named by
// a word the shared policy (source-kit/redact.ts) removes (password, secret, token, jti, and a
// SCIM PATCH `value` whose `path` is password); `credentials` is an object, so it is walked and
// loses its jti while the ids beside it stay. The collector applies that policy to every delivery
// right after the Authorization check, JSON lines line by line, so nothing vendor-specific is needed.
/** What the collector applies to every Auth0 delivery. */
export { redactSecrets as redactBody } from '../../source-kit/redact.ts';
