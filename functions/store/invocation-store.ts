// One invocation's view of the store: a CallNow ID's target is read once, however many steps of a request ask.
import type { CallNowTarget } from '../domain/model.ts';
import type { CallNowStore } from '../domain/ports.ts';

/** Wraps a store for one invocation: every method passes through, but the target of each CallNow ID is kept. */
export function forOneInvocation(store: CallNowStore): CallNowStore {
  const targets = new Map<string, Promise<CallNowTarget | undefined>>();
  return new Proxy(store, {
    get(base, property, receiver) {
      if (property !== 'getCallNowTarget') {
        const value: unknown = Reflect.get(base, property, receiver);
        return typeof value === 'function' ? value.bind(base) : value;
      }
      return (callNowId: string) => {
        let target = targets.get(callNowId);
        if (!target) {
          target = base.getCallNowTarget(callNowId);
          targets.set(callNowId, target);
        }
        return target;
      };
    },
  });
}
