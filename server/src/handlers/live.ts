import type { Connection } from 'vscode-languageserver/node';
import { URI } from 'vscode-uri';
import {
  ClusterObjectsNotification,
  FileObjectsRequest,
  LocateObjectRequest,
  WorkspaceGraphRequest,
  type ClusterObjectsParams,
  type FileObjectsParams,
  type FileObjectsResult,
  type LocateObjectParams,
  type LocateObjectResult,
} from '../protocol';
import { ClusterObjects } from '../workspace/clusterObjects';
import { fileObjects, locateObject, workspaceGraph } from '../workspace/liveQueries';
import type { WorkspaceModel } from '../workspace/model';
import type { ObjectSource } from '../workspace/resolver';

/**
 * The live side's questions to the workspace model (`flux/fileObjects`, `flux/locateObject`) and the
 * cluster objects it sends (`flux/clusterObjects`), kept as one reference source per context.
 * `sourcesChanged` is told when the cluster sources change, so cross-file findings are recomputed.
 */
export class LiveHandlers {
  private readonly clusters = new Map<string, ClusterObjects>();

  constructor(
    private readonly connection: Connection,
    private readonly model: () => WorkspaceModel,
    private readonly sourcesChanged: (added: ObjectSource[], removed: ObjectSource[]) => void,
  ) {}

  register(): void {
    this.connection.onRequest(FileObjectsRequest, (p: FileObjectsParams): FileObjectsResult => {
      const uri = URI.parse(p.uri);
      if (uri.scheme !== 'file') return { objects: [], problem: `not a file (${uri.scheme}:)` };
      return fileObjects(this.model(), uri.fsPath);
    });
    this.connection.onRequest(
      LocateObjectRequest,
      (p: LocateObjectParams): LocateObjectResult => locateObject(this.model(), p),
    );
    this.connection.onRequest(WorkspaceGraphRequest, () => workspaceGraph(this.model()));
    this.connection.onNotification(ClusterObjectsNotification, (p: ClusterObjectsParams) =>
      this.setCluster(p),
    );
  }

  /** The cluster sources now known (for a resolver created after they arrived). */
  sources(): ObjectSource[] {
    return [...this.clusters.values()];
  }

  private setCluster(p: ClusterObjectsParams): void {
    if (typeof p?.context !== 'string') return;
    const objects = Array.isArray(p.objects) ? p.objects : [];
    const had = this.clusters.get(p.context);
    if (objects.length === 0) {
      if (!had) return;
      this.clusters.delete(p.context);
      this.sourcesChanged([], [had]);
      return;
    }
    const source = had ?? new ClusterObjects(p.context);
    source.set(objects);
    if (!had) this.clusters.set(p.context, source);
    this.sourcesChanged(had ? [] : [source], []);
    this.connection.console.info(`cluster ${p.context}: ${source.size} Flux objects for reference checks`);
  }
}
