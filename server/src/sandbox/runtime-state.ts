import type { SandboxWorld } from './world';

/**
 * What the sandbox keeps beside a world but never stores with it, because it lives only as long as a call waits (a
 * bot's pre-checkout answer, a payment form, an open web view): one map per world, dropped with the world.
 */
export function runtimeMap<V>(): (world: SandboxWorld) => Map<string, V> {
  const maps = new WeakMap<SandboxWorld, Map<string, V>>();
  return (world) => {
    let map = maps.get(world);
    if (!map) {
      map = new Map();
      maps.set(world, map);
    }
    return map;
  };
}

/** Something an app asked a bot (a button press, an inline query): the bot's answer once given, and who waits on it. */
export interface AwaitingAnswer<A> {
  answer?: A;
  onAnswer?: () => void;
}

/**
 * The bot's answer, once it gives it (at once if it already did); undefined when none comes within `timeoutMs`. A
 * wait never keeps a closing sandbox's process alive.
 */
export function waitForAnswer<A>(query: AwaitingAnswer<A>, timeoutMs: number): Promise<A | undefined> {
  if (query.answer) return Promise.resolve(query.answer);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      query.onAnswer = undefined;
      resolve(undefined);
    }, timeoutMs);
    timer.unref();
    query.onAnswer = (): void => {
      clearTimeout(timer);
      query.onAnswer = undefined;
      resolve(query.answer);
    };
  });
}
