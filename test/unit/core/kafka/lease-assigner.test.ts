// The sticky lease assigner's choice (core/kafka/lease-assigner.ts): a live holder keeps partition
// 0 whoever joins; without a claim the smallest member id gets it; the newest claim wins; the
// assignment kafkajs receives gives partition 0 to one member only.
import { describe, expect, it } from 'vitest';
import { AssignerProtocol, type Cluster, type Logger } from 'kafkajs';
import { chooseHolder, decodeClaim, encodeClaim, stickyLeaseAssigner } from '../../../../core/kafka/lease-assigner.ts';

const none = { holding: false, generation: -1 };

describe('chooseHolder', () => {
  it('keeps the lease with the member that holds it, even when a smaller id joins', () => {
    const members = [
      { memberId: 'b-member', claim: { holding: true, generation: 4 } },
      { memberId: 'a-member', claim: none },
    ];
    expect(chooseHolder(members)).toBe('b-member');
  });

  it('picks the smallest member id when nobody holds it, whatever the order', () => {
    expect(
      chooseHolder([
        { memberId: 'm-2', claim: none },
        { memberId: 'm-1', claim: none },
        { memberId: 'm-3', claim: { holding: false, generation: 9 } },
      ]),
    ).toBe('m-1');
  });

  it('prefers the newest claim (a process back from a freeze claims an older generation)', () => {
    expect(
      chooseHolder([
        { memberId: 'old', claim: { holding: true, generation: 3 } },
        { memberId: 'new', claim: { holding: true, generation: 5 } },
      ]),
    ).toBe('new');
  });

  it('breaks a tie between equal claims by the smaller member id', () => {
    expect(
      chooseHolder([
        { memberId: 'y', claim: { holding: true, generation: 2 } },
        { memberId: 'x', claim: { holding: true, generation: 2 } },
      ]),
    ).toBe('x');
  });

  it('has no holder for an empty group', () => {
    expect(chooseHolder([])).toBeUndefined();
  });
});

describe('claim userData', () => {
  it('round-trips, and anything unreadable claims nothing', () => {
    expect(decodeClaim(encodeClaim({ holding: true, generation: 7 }))).toEqual({ holding: true, generation: 7 });
    expect(decodeClaim(Buffer.from('not json'))).toEqual({ holding: false, generation: -1 });
    expect(decodeClaim(Buffer.from('{"holding":"yes"}'))).toEqual({ holding: false, generation: -1 });
    expect(decodeClaim(Buffer.alloc(0))).toEqual({ holding: false, generation: -1 });
  });
});

describe('stickyLeaseAssigner', () => {
  const cluster = { findTopicPartitionMetadata: () => [{ partitionId: 0 }] } as unknown as Cluster;
  const logger = {} as Logger;

  it('sends its claim in the subscription and gives partition 0 to the holder only', async () => {
    const holder = stickyLeaseAssigner(() => ({ holding: true, generation: 2 }))({ cluster, groupId: 'g', logger });
    const standby = stickyLeaseAssigner(() => none)({ cluster, groupId: 'g', logger });
    const members = [
      { memberId: 'aaa', memberMetadata: standby.protocol({ topics: ['lease'] }).metadata },
      { memberId: 'zzz', memberMetadata: holder.protocol({ topics: ['lease'] }).metadata },
    ];
    const out = await standby.assign({ members, topics: ['lease'] });
    const byMember = Object.fromEntries(
      out.map((a) => [a.memberId, AssignerProtocol.MemberAssignment.decode(a.memberAssignment)?.assignment]),
    );
    expect(byMember).toEqual({ aaa: {}, zzz: { lease: [0] } });
  });
});
