import type { VariableObject, VariableSource } from '../build/variables';
import type { ClusterObjectParams, ClusterObjectResult } from '../protocol';

/**
 * `substituteFrom` ConfigMaps and Secrets read from a connected cluster (through the client, which
 * holds the connection): what kustomize-controller substitutes is what the cluster has, not what the
 * repository says. Asked before the workspace; when the cluster cannot answer (forbidden,
 * unreachable) or does not have the object, the workspace is asked next and a note says so.
 * Secret values arrive as placeholders unless `reveal` is set, and their keys are recorded so the
 * preview header can say which variables were hidden.
 */
export class ClusterVariableSource implements VariableSource {
  readonly label: string;
  /** Variables whose values come from Secrets (hidden in what is shown). */
  readonly secretKeys = new Set<string>();
  /** What could not be read from the cluster, and why (preview warnings). */
  readonly notes: string[] = [];

  constructor(
    readonly context: string,
    private readonly reveal: boolean,
    private readonly ask: (p: ClusterObjectParams, signal?: AbortSignal) => Promise<ClusterObjectResult>,
  ) {
    this.label = `cluster ${context}`;
  }

  async find(
    kind: 'ConfigMap' | 'Secret',
    namespace: string,
    name: string,
    signal?: AbortSignal,
  ): Promise<VariableObject | undefined> {
    const id = `${kind} ${namespace}/${name}`;
    let r: ClusterObjectResult;
    try {
      r = await this.ask({ context: this.context, kind, namespace, name, reveal: this.reveal }, signal);
    } catch (err) {
      r = { status: 'error', message: (err as Error).message };
    }
    if (r.status === 'not-found') {
      this.note(`${id} is not in cluster ${this.context}: kustomize-controller would not find it there`);
      return undefined;
    }
    if (r.status === 'error') {
      this.note(`${id}: cannot read it from cluster ${this.context} (${r.message})`);
      return undefined;
    }
    for (const k of r.secretKeys) this.secretKeys.add(k);
    return { data: r.data, origin: `cluster ${this.context}` };
  }

  private note(s: string): void {
    if (!this.notes.includes(s)) this.notes.push(s);
  }
}
