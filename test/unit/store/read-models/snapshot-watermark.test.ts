// The snapshot watermark on a lagging replica (store/read-models/snapshot.ts snapshotWatermarkMs).
import { describe, expect, it } from 'vitest';
import { snapshotWatermarkMs } from '../../../../store/read-models/snapshot.ts';

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);

describe('snapshotWatermarkMs', () => {
  it('is the start of the build on a server that is not behind (single server, embedded, replica in sync)', () => {
    expect(snapshotWatermarkMs(NOW, 0)).toBe(NOW);
  });

  it('moves back by the replica delay and one second more for its rounding to whole seconds', () => {
    // 3 s behind: rows inserted elsewhere after 11:59:57 may still arrive; 11:59:56 covers a delay of up to 4 s.
    expect(snapshotWatermarkMs(NOW, 3)).toBe(Date.UTC(2026, 11, 6, 11, 59, 56));
    // A replica back after ten minutes away.
    expect(snapshotWatermarkMs(NOW, 600)).toBe(Date.UTC(2026, 11, 6, 11, 49, 59));
  });
});
