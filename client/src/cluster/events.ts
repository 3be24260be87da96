// The Kubernetes Events of an object and of its source, newest first, kept live by a watch with a
// field selector per object (so only those events travel). Dispose to stop the watches.

import { sourceOf, type ObjectRef } from './actions';
import { findKind } from './kinds';
import { isRecord, type KubeObject } from './object';
import { Reflector, type ReflectorPhase } from './reflector';
import type { ContextSession } from './session';

export interface FluxEvent {
  type: string; // Normal | Warning
  reason: string;
  message: string;
  /** The object it is about. */
  about: ObjectRef;
  /** Newest time the event happened (lastTimestamp, eventTime or creation). */
  time: string;
  count: number;
  source?: string;
}

export interface EventsView {
  events: FluxEvent[];
  /** Forbidden or failing watches, as messages. */
  problems: string[];
}

function toEvent(o: KubeObject): FluxEvent | undefined {
  const inv = o['involvedObject'];
  if (!isRecord(inv)) return undefined;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const series = isRecord(o['series']) ? o['series'] : undefined;
  return {
    type: str(o['type']),
    reason: str(o['reason']),
    message: str(o['message']),
    about: { kind: str(inv['kind']), namespace: str(inv['namespace']), name: str(inv['name']) },
    time:
      str(o['lastTimestamp']) ||
      str(series?.['lastObservedTime']) ||
      str(o['eventTime']) ||
      str(o.metadata.creationTimestamp),
    count: typeof o['count'] === 'number' ? o['count'] : 1,
    ...(isRecord(o['source']) && typeof o['source']['component'] === 'string'
      ? { source: o['source']['component'] }
      : {}),
  };
}

/**
 * Watches the events of `ref` and of its source (when it has one); `listener` gets the whole list,
 * newest first, at once and after every change (at most every 100 ms).
 */
export function watchEvents(
  session: ContextSession,
  ref: ObjectRef,
  listener: (v: EventsView) => void,
): { dispose(): void } {
  const t = session.transport;
  if (!t) {
    listener({ events: [], problems: [`context ${session.name} is not connected`] });
    return { dispose() {} };
  }
  const refs: ObjectRef[] = [ref];
  const k = findKind(ref.kind);
  const cached = k ? session.get(k, ref.namespace, ref.name) : undefined;
  const src = cached ? sourceOf(cached.obj) : undefined;
  if (src) refs.push(src);
  const reflectors: Reflector[] = [];
  let timer: NodeJS.Timeout | undefined;
  const emit = () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      const events: FluxEvent[] = [];
      const problems: string[] = [];
      for (const r of reflectors) {
        for (const o of r.items.values()) {
          const e = toEvent(o);
          if (e) events.push(e);
        }
        const p: ReflectorPhase = r.phase;
        if (p.phase === 'forbidden' || p.phase === 'unauthorized' || p.phase === 'notInstalled')
          problems.push(p.message);
        else if (p.phase === 'backoff') problems.push(p.error);
      }
      events.sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0));
      listener({ events, problems });
    }, 100);
  };
  for (const r of refs) {
    const fieldSelector = `involvedObject.kind=${r.kind},involvedObject.name=${r.name},involvedObject.namespace=${r.namespace}`;
    const refl = new Reflector(
      t,
      { group: '', version: 'v1', plural: 'events', kind: 'Event' },
      { onEvent: emit, onPhase: emit, onSynced: emit },
      { namespace: r.namespace, fieldSelector },
    );
    reflectors.push(refl);
    refl.start();
  }
  return {
    dispose() {
      clearTimeout(timer);
      for (const r of reflectors) r.stop();
    },
  };
}
