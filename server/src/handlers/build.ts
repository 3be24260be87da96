import * as path from 'node:path';
import type { Connection, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { URI } from 'vscode-uri';
import {
  BuildRequest,
  ClusterObjectRequest,
  DEFAULT_BUILD_SETTINGS,
  GitRevisionRequest,
  type GitRevisionParams,
  type GitRevisionResult,
  type BuildParams,
  type BuildResult,
  type BuildSettings,
  type ClusterObjectParams,
  type ClusterObjectResult,
} from '../protocol';
import type { BuildContext } from '../service/buildPreview';
import { diskText } from '../io/io';

/** What builds: BuildPreviewService itself, or the host of the worker thread that runs it. */
export interface BuildRunner {
  build(params: BuildParams, ctx: BuildContext): Promise<BuildResult>;
  gitRevision(params: GitRevisionParams, signal?: AbortSignal): Promise<GitRevisionResult>;
}

/**
 * `flux/build` and `flux/gitRevision`: request -> BuildPreviewService -> result. Settings are pulled per request (they may
 * differ per folder); open buffers that differ from disk are built instead of the saved files.
 */
export function registerBuildHandler(
  connection: Connection,
  documents: TextDocuments<TextDocument>,
  roots: () => readonly string[],
  service: BuildRunner,
): void {
  connection.onRequest(BuildRequest, async (params: BuildParams, token): Promise<BuildResult> => {
    const controller = new AbortController();
    const sub = token.onCancellationRequested(() => controller.abort());
    try {
      const settings = await readSettings(connection, params.uri);
      const buffers = new Map<string, string>();
      for (const doc of documents.all()) {
        const uri = URI.parse(doc.uri);
        if (uri.scheme !== 'file' || !/\.ya?ml$|\/Kustomization$/.test(uri.path)) continue;
        const text = doc.getText();
        if ((await diskText(uri.fsPath)) !== text) buffers.set(path.resolve(uri.fsPath), text);
      }
      return await service.build(params, {
        settings,
        roots: roots(),
        buffers,
        signal: controller.signal,
        // The client holds the cluster connection: it reads substituteFrom objects for the build.
        askCluster: (p: ClusterObjectParams) =>
          connection.sendRequest<ClusterObjectResult>(ClusterObjectRequest, p),
      });
    } finally {
      sub.dispose();
    }
  });
  connection.onRequest(GitRevisionRequest, async (params: GitRevisionParams, token) => {
    const controller = new AbortController();
    const sub = token.onCancellationRequested(() => controller.abort());
    try {
      return await service.gitRevision(params, controller.signal);
    } finally {
      sub.dispose();
    }
  });
}

async function readSettings(connection: Connection, scopeUri: string): Promise<BuildSettings> {
  try {
    const raw = (await connection.workspace.getConfiguration({
      scopeUri,
      section: 'fluxWorkbench',
    })) as Partial<BuildSettings> | null;
    return {
      kustomize: { ...DEFAULT_BUILD_SETTINGS.kustomize, ...(raw?.kustomize ?? {}) },
      build: { ...DEFAULT_BUILD_SETTINGS.build, ...(raw?.build ?? {}) },
    };
  } catch {
    // Clients without workspace/configuration (plain stdio editors, tests) get the defaults.
    return DEFAULT_BUILD_SETTINGS;
  }
}
