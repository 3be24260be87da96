// Reading the user's kubeconfig the way kubectl does, without ever writing it: the files named by
// KUBECONFIG (several, merged: the first file that defines a name wins, the first current-context
// wins, missing files are skipped), else ~/.kube/config. Relative paths are resolved against the
// folder of the file that defines them. A malformed file is reported with its path and line and
// the other files still load. Each context keeps the file it came from: credentials are keyed by
// (file, context), never by user name (client-node #592).

import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { isRecord } from './object';

/** One cluster, user or context entry with the file that defined it. */
export interface Entry {
  readonly name: string;
  readonly file: string;
  /** The entry's body as written (`cluster:`, `user:` or `context:`), paths made absolute. */
  readonly body: Record<string, unknown>;
}

/** A context, resolved: its cluster and user entries (when defined) and its own file. */
export interface ContextInfo {
  readonly name: string;
  /** The file that defined this context. */
  readonly file: string;
  /** (file, context): what credentials, caches and remembered choices are keyed by. */
  readonly key: string;
  readonly cluster?: Entry;
  readonly user?: Entry;
  readonly namespace?: string;
  /** The server URL, when the cluster is defined. */
  readonly server?: string;
  /** What keeps this context from being used ("cluster 'x' is not defined in any kubeconfig file"). */
  readonly problems: readonly string[];
}

/** A problem with one kubeconfig file (unreadable, not YAML, not a kubeconfig). */
export interface KubeconfigProblem {
  readonly file: string;
  /** 1-based line, when the problem has one. */
  readonly line?: number;
  readonly message: string;
}

/** The merged view of every kubeconfig file. */
export interface Kubeconfig {
  /** The files read, in precedence order (first wins). */
  readonly files: readonly string[];
  /** Where the file list came from. */
  readonly origin: 'KUBECONFIG' | 'default' | 'explicit';
  readonly contexts: readonly ContextInfo[];
  readonly currentContext?: string;
  readonly problems: readonly KubeconfigProblem[];
}

/** The kubeconfig files in precedence order: KUBECONFIG's list, else ~/.kube/config. */
export function kubeconfigFiles(
  env: NodeJS.ProcessEnv = process.env,
  home = os.homedir(),
): {
  files: string[];
  origin: 'KUBECONFIG' | 'default';
} {
  const list = env['KUBECONFIG'];
  if (list && list.trim() !== '') {
    const files: string[] = [];
    for (const f of list.split(path.delimiter)) {
      if (f === '') continue;
      const abs = path.resolve(f);
      if (!files.includes(abs)) files.push(abs);
    }
    return { files, origin: 'KUBECONFIG' };
  }
  return { files: [path.join(home, '.kube', 'config')], origin: 'default' };
}

/** Fields holding file paths, resolved against the defining file's folder (as kubectl does). */
const PATH_FIELDS: Record<'cluster' | 'user', string[]> = {
  cluster: ['certificate-authority'],
  user: ['client-certificate', 'client-key', 'tokenFile'],
};

function absolutize(kind: 'cluster' | 'user' | 'context', body: Record<string, unknown>, dir: string) {
  const out: Record<string, unknown> = { ...body };
  if (kind === 'context') return out;
  for (const f of PATH_FIELDS[kind]) {
    const v = out[f];
    if (typeof v === 'string' && v !== '' && !path.isAbsolute(v)) out[f] = path.join(dir, v);
  }
  const exec = out['exec'];
  if (kind === 'user' && isRecord(exec) && typeof exec['command'] === 'string') {
    const cmd = exec['command'];
    // kubectl resolves a relative command that has a path separator against the file's folder.
    if (cmd.includes('/') && !path.isAbsolute(cmd)) out['exec'] = { ...exec, command: path.join(dir, cmd) };
  }
  return out;
}

interface ParsedFile {
  clusters: Entry[];
  users: Entry[];
  contexts: Entry[];
  currentContext?: string;
}

/** Parse one kubeconfig file's text. Throws a KubeconfigProblem-shaped error with the line. */
export function parseKubeconfigText(text: string, file: string): ParsedFile | KubeconfigProblem {
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line;
    return { file, ...(line ? { line } : {}), message: `not valid YAML: ${e.message.split('\n')[0]}` };
  }
  const lineOf = (node: unknown): number | undefined => {
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (!range) return undefined;
    return text.slice(0, range[0]).split('\n').length;
  };
  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return { file, message: `not valid YAML: ${(err as Error).message}` };
  }
  if (root === null || root === undefined) return { clusters: [], users: [], contexts: [] };
  if (!isRecord(root)) return { file, line: 1, message: 'not a kubeconfig: the top level is not a mapping' };
  const dir = path.dirname(file);
  const out: ParsedFile = { clusters: [], users: [], contexts: [] };
  for (const [listKey, kind, target] of [
    ['clusters', 'cluster', out.clusters],
    ['users', 'user', out.users],
    ['contexts', 'context', out.contexts],
  ] as const) {
    const list = root[listKey];
    if (list === undefined || list === null) continue;
    const listNode = doc.get(listKey, true);
    if (!Array.isArray(list))
      return {
        file,
        ...(lineOf(listNode) ? { line: lineOf(listNode)! } : {}),
        message: `"${listKey}" must be a list`,
      };
    for (let i = 0; i < list.length; i++) {
      const item = list[i];
      const itemNode = doc.getIn([listKey, i], true);
      const line = lineOf(itemNode);
      const where = line ? { line } : {};
      if (!isRecord(item) || typeof item['name'] !== 'string' || item['name'] === '')
        return { file, ...where, message: `${listKey}[${i}] has no name` };
      const body = item[kind];
      if (!isRecord(body))
        return { file, ...where, message: `${kind} "${item['name']}" has no "${kind}:" mapping` };
      target.push({ name: item['name'], file, body: absolutize(kind, body, dir) });
    }
  }
  const cc = root['current-context'];
  if (typeof cc === 'string' && cc !== '') out.currentContext = cc;
  return out;
}

function isProblem(p: ParsedFile | KubeconfigProblem): p is KubeconfigProblem {
  return 'message' in p;
}

/** Read and merge kubeconfig files (kubectl's rules). Never throws for bad files: they become problems. */
export async function loadKubeconfig(
  opts: { files?: string[]; env?: NodeJS.ProcessEnv; home?: string } = {},
): Promise<Kubeconfig> {
  const found = opts.files
    ? { files: opts.files.map((f) => path.resolve(f)), origin: 'explicit' as const }
    : kubeconfigFiles(opts.env, opts.home);
  const problems: KubeconfigProblem[] = [];
  const parsed: ParsedFile[] = [];
  const read: string[] = [];
  for (const file of found.files) {
    let text: string;
    try {
      text = await fsp.readFile(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // kubectl skips missing files in KUBECONFIG; a missing default file just means no contexts.
      if (code === 'ENOENT' && found.origin !== 'explicit') continue;
      problems.push({
        file,
        message: code === 'ENOENT' ? 'file not found' : `cannot read: ${(err as Error).message}`,
      });
      continue;
    }
    read.push(file);
    const p = parseKubeconfigText(text, file);
    if (isProblem(p)) problems.push(p);
    else parsed.push(p);
  }
  return mergeKubeconfigs(parsed, read, found.origin, problems);
}

/** Merge parsed files in precedence order: the first definition of each name wins. */
export function mergeKubeconfigs(
  parsed: ParsedFile[],
  files: string[],
  origin: Kubeconfig['origin'],
  problems: KubeconfigProblem[] = [],
): Kubeconfig {
  const clusters = new Map<string, Entry>();
  const users = new Map<string, Entry>();
  const contexts = new Map<string, Entry>();
  let currentContext: string | undefined;
  for (const p of parsed) {
    for (const c of p.clusters) if (!clusters.has(c.name)) clusters.set(c.name, c);
    for (const u of p.users) if (!users.has(u.name)) users.set(u.name, u);
    for (const c of p.contexts) if (!contexts.has(c.name)) contexts.set(c.name, c);
    currentContext ??= p.currentContext;
  }
  const infos: ContextInfo[] = [];
  for (const c of contexts.values()) {
    const clusterName = typeof c.body['cluster'] === 'string' ? c.body['cluster'] : undefined;
    const userName = typeof c.body['user'] === 'string' ? c.body['user'] : undefined;
    const cluster = clusterName ? clusters.get(clusterName) : undefined;
    const user = userName ? users.get(userName) : undefined;
    const contextProblems: string[] = [];
    if (!clusterName) contextProblems.push(`context "${c.name}" names no cluster (${c.file})`);
    else if (!cluster) contextProblems.push(`cluster "${clusterName}" is not defined in any kubeconfig file`);
    if (userName && !user) contextProblems.push(`user "${userName}" is not defined in any kubeconfig file`);
    const server = cluster && typeof cluster.body['server'] === 'string' ? cluster.body['server'] : undefined;
    if (cluster && !server) contextProblems.push(`cluster "${clusterName}" has no server (${cluster.file})`);
    const ns =
      typeof c.body['namespace'] === 'string' && c.body['namespace'] !== '' ? c.body['namespace'] : undefined;
    infos.push({
      name: c.name,
      file: c.file,
      key: `${c.file}\u0000${c.name}`,
      ...(cluster ? { cluster } : {}),
      ...(user ? { user } : {}),
      ...(ns ? { namespace: ns } : {}),
      ...(server ? { server } : {}),
      problems: contextProblems,
    });
  }
  return {
    files,
    origin,
    contexts: infos,
    ...(currentContext ? { currentContext } : {}),
    problems,
  };
}

/** "file:line: message", for logs and error nodes. */
export function formatProblem(p: KubeconfigProblem): string {
  return `${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`;
}
