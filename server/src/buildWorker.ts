// The build worker (server/out/build-worker.js): build previews run here, on a thread of their own,
// so that no build (kustomize's output parsed, post-build substitution, the parent lookup) holds up
// the language server's requests, and a build that runs past its limit can be stopped by ending
// the thread. Wiring only: messages in, BuildPreviewService, messages out.
import { parentPort } from 'node:worker_threads';
import { BuildPreviewService } from './service/buildPreview';
import type { ClusterObjectParams, ClusterObjectResult } from './protocol';
import type { BuildJob, BuildJobReply, ClusterAnswer } from './handlers/buildHost';

const service = new BuildPreviewService();
const running = new Map<number, AbortController>();
const questions = new Map<
  number,
  { resolve: (r: ClusterObjectResult) => void; reject: (e: Error) => void }
>();
let nextQuestion = 1;

/** Asks the host (which asks the client, holder of the cluster connection) for a cluster object. */
function askCluster(id: number, params: ClusterObjectParams): Promise<ClusterObjectResult> {
  const question = nextQuestion++;
  return new Promise((resolve, reject) => {
    questions.set(question, { resolve, reject });
    const ask: BuildJobReply = { type: 'askCluster', id, question, params };
    parentPort?.postMessage(ask);
  });
}

parentPort?.on('message', (job: BuildJob | ClusterAnswer | { type: 'cancel'; id: number }) => {
  if (job.type === 'cancel') {
    running.get(job.id)?.abort();
    return;
  }
  if (job.type === 'clusterAnswer') {
    const q = questions.get(job.question);
    questions.delete(job.question);
    if (job.result) q?.resolve(job.result);
    else q?.reject(new Error(job.error ?? 'no answer'));
    return;
  }
  const controller = new AbortController();
  running.set(job.id, controller);
  const reply = (r: BuildJobReply): void => parentPort?.postMessage(r);
  service
    .build(job.params, {
      settings: job.settings,
      roots: job.roots,
      buffers: new Map(job.buffers),
      signal: controller.signal,
      ...(job.canAskCluster ? { askCluster: (p: ClusterObjectParams) => askCluster(job.id, p) } : {}),
    })
    .then(
      (result) => reply({ id: job.id, result }),
      // A bug, not an input error: the host reports it with its stack.
      (err: unknown) => reply({ id: job.id, bug: (err as Error).stack ?? String(err) }),
    )
    .finally(() => running.delete(job.id));
});
