// The sticky kafkajs partition assigner of a lease group (core/kafka/lease.ts). kafkajs's default
// round-robin assigner hands the partitions out by sorted member id, so a standby joining with a
// smaller id would take partition 0 (the lease) from a live leader. Here each member says in its
// subscription userData whether it holds the lease, and the group leader's assigner keeps
// partition 0 with that member while it is in the group; otherwise it picks one deterministically.
import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';
import { z } from 'zod';

/** What a member tells the assigner in its subscription userData. */
export interface LeaseClaim {
  /** True while the member holds the lease (or held it until the rebalance that is now running). */
  holding: boolean;
  /** The group generation in which it last held it (-1 unknown): the newest claim wins a tie. */
  generation: number;
}

const NO_CLAIM: LeaseClaim = { holding: false, generation: -1 };
const ClaimSchema = z.object({ holding: z.boolean(), generation: z.number().int() });

export function encodeClaim(claim: LeaseClaim): Buffer {
  return Buffer.from(JSON.stringify(claim));
}

/** A member's claim; anything unreadable (another client, another version) claims nothing. */
export function decodeClaim(userData: Buffer | null | undefined): LeaseClaim {
  if (!userData || userData.length === 0) return NO_CLAIM;
  try {
    const parsed = ClaimSchema.safeParse(JSON.parse(userData.toString('utf8')));
    return parsed.success ? parsed.data : NO_CLAIM;
  } catch {
    return NO_CLAIM;
  }
}

/**
 * The member that gets partition 0: among members claiming to hold the lease the one with the
 * newest generation (a process that froze and came back claims an older one), ties broken by the
 * smaller member id; with no claim, the smallest member id.
 */
export function chooseHolder(members: readonly { memberId: string; claim: LeaseClaim }[]): string | undefined {
  const byId = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
  let best: { memberId: string; claim: LeaseClaim } | undefined;
  for (const m of byId) if (m.claim.holding && (!best || m.claim.generation > best.claim.generation)) best = m;
  return (best ?? byId[0])?.memberId;
}

export const STICKY_LEASE_ASSIGNER = 'PlanewatchStickyLease';

/** A kafkajs assigner: every partition of the subscribed topics to chooseHolder's member, nothing to the others. */
export function stickyLeaseAssigner(claim: () => LeaseClaim): PartitionAssigner {
  return ({ cluster }) => ({
    name: STICKY_LEASE_ASSIGNER,
    version: 0,
    async assign({ members, topics }) {
      const decoded = members.map((m) => ({
        memberId: m.memberId,
        claim: decodeClaim(AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.userData),
      }));
      const holder = chooseHolder(decoded);
      return members.map(({ memberId }) => {
        const assignment: Record<string, number[]> = {};
        if (memberId === holder)
          for (const topic of topics) assignment[topic] = cluster.findTopicPartitionMetadata(topic).map((p) => p.partitionId);
        return {
          memberId,
          memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment, userData: Buffer.alloc(0) }),
        };
      });
    },
    protocol({ topics }) {
      // Called at every join, so the claim is the one current when the member (re)joins.
      return {
        name: STICKY_LEASE_ASSIGNER,
        metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: encodeClaim(claim()) }),
      };
    },
  });
}
