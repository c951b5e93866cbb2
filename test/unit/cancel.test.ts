import { describe, expect, it } from 'vitest';
import type { SiteQueueMessage } from '../../contracts/messages.ts';
import { cancelCallRequest } from '../../functions/domain/cancel.ts';
import type { CallRequest } from '../../functions/domain/model.ts';

const at = '2026-11-26T10:00:00.000Z';
const request = (status: CallRequest['status']): CallRequest => ({
  requestId: 'req-1',
  callNowId: 'demo',
  extensionId: 'e101',
  siteId: 'hq',
  status,
  visitorPhone: '+12025550100',
  createdAt: at,
  expiresAt: at,
  statusTimes: { queued: at },
});

describe('cancelCallRequest', () => {
  it("asks the connector of the request's site not to dial a queued request, and leaves the status to it", async () => {
    const sent: SiteQueueMessage[] = [];
    const outcome = await cancelCallRequest(request('queued'), {
      queue: { send: async (message) => void sent.push(message) },
      clock: { now: () => new Date(at) },
    });
    expect(outcome).toBe('cancelling');
    expect(sent).toEqual([{ v: 1, type: 'call.cancelled', requestId: 'req-1', siteId: 'hq', at }]);
  });

  it.each(['dialing_extension', 'connected', 'completed', 'failed'] as const)(
    'is too late once the request is %s, and sends nothing',
    async (status) => {
      const sent: SiteQueueMessage[] = [];
      const outcome = await cancelCallRequest(request(status), {
        queue: { send: async (message) => void sent.push(message) },
        clock: { now: () => new Date(at) },
      });
      expect(outcome).toBe('too_late');
      expect(sent).toEqual([]);
    },
  );
});
