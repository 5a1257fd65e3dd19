// CloudTrail logs the temporary credentials it hands out (AssumeRole*, GetSessionToken,
// GetFederationToken: `responseElements.credentials.sessionToken`), and whatever forwards the
// records may add a `secretAccessKey`, a `password`, a `privateKey` or a Secrets Manager
// `secretString` / `secretBinary`. The shared policy (source-kit/redact.ts) names all of them;
// `credentials` is an object, so it keeps its `accessKeyId` (an identifier the mapping reads) and
// loses its sessionToken. The collector applies it to every delivery right after the
// Authorization check, so nothing vendor-specific is needed.
/** What the collector applies to every CloudTrail delivery. */
export { redactSecrets as redactBody } from '../../source-kit/redact.ts';
