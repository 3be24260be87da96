import * as vscode from 'vscode';

/** Typed access to the client-side settings; defaults live in package.json. */
export interface ClientConfig {
  showStatusItem: boolean;
}

export function readClientConfig(): ClientConfig {
  const c = vscode.workspace.getConfiguration('fluxWorkbench');
  return { showStatusItem: c.get<boolean>('statusBar.show', true) };
}

/** The live explorer's settings (fluxWorkbench.explorer.*). */
export interface ExplorerConfig {
  /**
   * Kubeconfig files to read instead of KUBECONFIG / ~/.kube/config. A restricted setting: in an
   * untrusted workspace VS Code ignores the workspace's value (a kubeconfig can name an executable).
   */
  kubeconfig: string[];
  /** Namespaces to watch per context when the cluster scope is forbidden. */
  namespaces: Record<string, string[]>;
  requestTimeoutSeconds: number;
  actionTimeoutSeconds: number;
  notifyOnFailure: boolean;
  statusBar: boolean;
}

export function readExplorerConfig(): ExplorerConfig {
  const c = vscode.workspace.getConfiguration('fluxWorkbench.explorer');
  const strings = (v: unknown) =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : [];
  const ns = c.get<Record<string, unknown>>('namespaces', {});
  return {
    kubeconfig: strings(c.get('kubeconfig')),
    namespaces: Object.fromEntries(Object.entries(ns ?? {}).map(([k, v]) => [k, strings(v)])),
    requestTimeoutSeconds: c.get<number>('requestTimeout', 10),
    actionTimeoutSeconds: c.get<number>('actionTimeout', 300),
    notifyOnFailure: c.get<boolean>('notifyOnFailure', false),
    statusBar: c.get<boolean>('statusBar', true),
  };
}
