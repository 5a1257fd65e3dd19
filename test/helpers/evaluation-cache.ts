// The detector owns one EvaluationCache for its lifetime. Tests that evaluate repeatedly keep one
// per ClickHouse client, as one detector per connection would: an evaluation on another
// connection is then "another writer" to the first.
import type { ClickHouseClient } from '@clickhouse/client';
import { EvaluationCache } from '../../services/detector/evaluation/cache.ts';

const caches = new WeakMap<ClickHouseClient, EvaluationCache>();

export function cacheOf(client: ClickHouseClient): EvaluationCache {
  let cache = caches.get(client);
  if (!cache) caches.set(client, (cache = new EvaluationCache()));
  return cache;
}
