// "Flux: Diff Build with Cluster" (issue 12): the build of a Flux Kustomization, with its
// substituteFrom values from the cluster, against the live objects by a server-side dry-run apply
// (client/src/live/clusterDiff.ts decides it as `flux diff kustomization` does), in VS Code's diff
// editor: live on the left, the build applied on the right, what prune would delete listed, Secret
// data masked on both sides. Like flux diff, the Kustomization's live spec decides prune.

import { parseAllDocuments } from 'yaml';
import * as vscode from 'vscode';
import type { ContextSession } from '../cluster';
import { findKind } from '../cluster/kinds';
import type { KubeObject } from '../cluster/object';
import type { Ctx } from '../ctx';
import { diffWithCluster } from '../live/clusterDiff';
import { diffSides } from '../live/diffText';
import { commandTarget, type PreviewTarget } from '../preview/buildPreview';
import type { ClusterBridge } from './clusterBridge';
import { BuildRequest, type BuildParams, type BuildResult } from '../../../server/src/protocol';

export const CLUSTER_DIFF_SCHEME = 'flux-cluster-diff';
const KS = findKind('Kustomization')!;

/** The two sides of each diff shown, by URI (read-only documents). */
export class ClusterDiffDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(
    CLUSTER_DIFF_SCHEME,
    this,
  );
  private seq = 0;

  put(label: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({
      scheme: CLUSTER_DIFF_SCHEME,
      path: `/${label}.yaml`,
      query: String(++this.seq),
    });
    this.texts.set(uri.toString(), text);
    // Keep the last few diffs only: each side can be large.
    if (this.texts.size > 8) this.texts.delete(this.texts.keys().next().value!);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return (
      this.texts.get(uri.toString()) ??
      '# This diff is no longer held: run "Flux: Diff Build with Cluster" again.\n'
    );
  }

  dispose(): void {
    this.registration.dispose();
    this.texts.clear();
  }
}

/** The context to diff against: the one showing the Kustomization live, else the only one shown. */
async function pickSession(ctx: Ctx, t: PreviewTarget): Promise<ContextSession | undefined> {
  if (!ctx.live.started) await ctx.live.start();
  const ready = ctx.live.explorer.sessionList().filter((s) => s.transport && s.phase.phase === 'ready');
  if (ready.length === 0) {
    const choice = await vscode.window.showWarningMessage(
      'Flux: Diff Build with Cluster needs a connected cluster: no context is shown (or none is connected).',
      'Choose Context…',
    );
    if (choice) await vscode.commands.executeCommand('fluxWorkbench.pickContexts');
    return undefined;
  }
  const holding = t.name
    ? ready.filter((s) =>
        s.list({ kind: KS }).some((o) => o.name === t.name && (!t.namespace || o.namespace === t.namespace)),
      )
    : [];
  const candidates = holding.length ? holding : ready;
  if (candidates.length === 1) return candidates[0];
  const pick = await vscode.window.showQuickPick(
    candidates.map((s) => ({ label: s.name, s })),
    { title: `Diff ${t.name ?? 'the build'} with which cluster?` },
  );
  return pick?.s;
}

export async function diffBuildWithCluster(
  ctx: Ctx,
  bridge: ClusterBridge,
  docs: ClusterDiffDocuments,
  args: unknown[],
): Promise<void> {
  const t = commandTarget(args);
  if (!t)
    return void vscode.window.showInformationMessage(
      'Flux: open a Flux Kustomization to diff its build with the cluster.',
    );
  if (!vscode.workspace.isTrusted)
    return void vscode.window.showWarningMessage(
      'Flux: Diff Build with Cluster runs kustomize, which needs a trusted workspace (Workspaces: Manage Workspace Trust).',
    );
  const client = ctx.client;
  if (!client)
    return void vscode.window.showWarningMessage(
      'Flux: the language server is not running (see "Flux: Show Output").',
    );
  const session = await pickSession(ctx, t);
  if (!session?.transport) return;
  const transport = session.transport;
  await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Diff with cluster ${session.name}`,
      cancellable: true,
    },
    async (progress, token) => {
      const abort = new AbortController();
      const cts = new vscode.CancellationTokenSource();
      const sub = token.onCancellationRequested(() => {
        abort.abort();
        cts.cancel();
      });
      const secrets = bridge.collectRevealed();
      try {
        progress.report({ message: 'building with the cluster’s substituteFrom values…' });
        const params: BuildParams = {
          uri: t.uri,
          trusted: true,
          ...(t.name ? { name: t.name } : {}),
          ...(t.namespace ? { namespace: t.namespace } : {}),
          cluster: { context: session.name, reveal: true },
        };
        const build = await client.sendRequest<BuildResult>(BuildRequest, params, cts.token);
        if (token.isCancellationRequested) return;
        if (!build.ok) {
          const why = build.errors.map((e) => e.message).join('; ');
          ctx.log.warn(`Diff with cluster: build of ${build.title} failed: ${why}`);
          return void vscode.window.showErrorMessage(`Flux: the build of ${build.title} failed: ${why}`);
        }
        const [, ns, name] = /^Kustomization (?:([^/]+)\/)?(.+)$/.exec(build.title) ?? [];
        const live = name ? session.get(KS, ns ?? t.namespace ?? 'flux-system', name) : undefined;
        const objects = parseAllDocuments(build.yaml)
          .map((d) => d.toJS() as KubeObject | null)
          .filter((o): o is KubeObject => !!o && typeof o === 'object' && typeof o.kind === 'string');
        progress.report({ message: `server-side dry run of ${objects.length} objects…` });
        const report = await diffWithCluster(transport, objects, {
          ...(live ? { liveKustomization: live.obj } : {}),
          prune: live?.obj.spec?.['prune'] === true,
          signal: abort.signal,
        });
        if (token.isCancellationRequested) return;
        if (!live) report.pruneNote ??= `${build.title} is not in cluster ${session.name}: nothing to prune`;
        const sides = diffSides(
          report,
          {
            title: build.title,
            context: session.name,
            build: `${build.engine ?? 'kustomize'}, ${build.objectCount} objects`,
          },
          secrets.values,
        );
        const label = (name ?? 'build').replace(/[^\w.-]+/g, '_');
        const left = docs.put(`${label} (cluster ${session.name})`, sides.left);
        const right = docs.put(`${label} (build, dry run)`, sides.right);
        await vscode.commands.executeCommand(
          'vscode.diff',
          left,
          right,
          `${build.title}: cluster ${session.name} ↔ build (dry run)`,
          { preview: false },
        );
        ctx.log.info(
          `Diff ${build.title} with ${session.name}:\n  ${sides.summary.join('\n  ') || 'no differences'}`,
        );
        const changed = sides.summary.filter((l) => l.startsWith('►')).length;
        const msg = `Flux: ${build.title} against ${session.name}: ${changed ? `${changed} objects would change` : 'no differences'}${report.errors.length ? `, ${report.errors.length} errors (${report.errors[0]!.message})` : ''}.`;
        if (report.errors.length) void vscode.window.showWarningMessage(msg);
        else void vscode.window.showInformationMessage(msg);
      } catch (err) {
        if (token.isCancellationRequested) return;
        ctx.log.error(`Diff with cluster: ${(err as Error).stack ?? String(err)}`);
        void vscode.window.showErrorMessage(
          `Flux: Diff Build with Cluster failed: ${(err as Error).message}`,
        );
      } finally {
        secrets.stop();
        sub.dispose();
        cts.dispose();
      }
    },
  );
}
