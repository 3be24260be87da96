// The build worker (server/out/build-worker.js): build previews run here, on a thread of their own,
// so that no build (kustomize's output parsed, post-build substitution, the parent lookup) holds up
// the language server's requests, and a build that runs past its limit can be stopped by ending
// the thread. Wiring only: messages in, BuildPreviewService, messages out.
import { parentPort } from 'node:worker_threads';
import { BuildPreviewService } from './service/buildPreview';
import type { BuildJob, BuildJobReply } from './handlers/buildHost';

const service = new BuildPreviewService();
const running = new Map<number, AbortController>();

parentPort?.on('message', (job: BuildJob | { type: 'cancel'; id: number }) => {
  if (job.type === 'cancel') {
    running.get(job.id)?.abort();
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
    })
    .then(
      (result) => reply({ id: job.id, result }),
      // A bug, not an input error: the host reports it with its stack.
      (err: unknown) => reply({ id: job.id, bug: (err as Error).stack ?? String(err) }),
    )
    .finally(() => running.delete(job.id));
});
