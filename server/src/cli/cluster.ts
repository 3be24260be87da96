// `flux-workbench get | reconcile | suspend | resume`: the live engine of the editor
// (client/src/cluster) on the command line. Its own bundle (cli-cluster.js), loaded by cli.js only
// for these commands, on Node >= 22.19 (@kubernetes/client-node 2.0 runs on undici 8).

import {
  FLUX_KINDS,
  FluxExplorer,
  findKind,
  formatProblem,
  loadKubeconfig,
  isFailing,
  kindKey,
  runAction,
  type CachedObject,
  type ContextSession,
  type FluxKind,
} from '../../../client/src/cluster';

export const CLUSTER_USAGE = `Usage: flux-workbench get [KIND] [--context C]... [-n NS | -A] [--status failing] [-o text|json] [--watch]
       flux-workbench reconcile|suspend|resume KIND/NAME [-n NS] [--context C] [--with-source] [--force] [--reset] [--timeout S]

get prints every Flux object (of KIND: Kustomization, ks, HelmRelease, hr, GitRepository, ...)
with its state (Ready, Failed, Stalled, Reconciling, WaitingForDependency, Suspended, Pending,
Updating, Terminating, Unknown). The namespace is -n, else the context's, else flux-system; -A
for all. Contexts come from KUBECONFIG (several files, merged) or ~/.kube/config; the default is
its current-context. The kubeconfig is never written.

reconcile, suspend and resume patch the object and wait for the controller's own verdict:
"applied revision ...", "blocked by ...", or the failure message as soon as the run ends.
--force and --reset apply to HelmReleases. --timeout (seconds, default 300) bounds the wait.

Exit status: 0 on success, 1 for a failed or refused action (or an unreadable cluster), 2 for a
usage error.`;

interface Args {
  positional: string[];
  contexts: string[];
  namespace?: string;
  all: boolean;
  failing: boolean;
  output: 'text' | 'json';
  watch: boolean;
  withSource: boolean;
  force: boolean;
  reset: boolean;
  timeoutS: number;
}

function parse(rest: string[]): Args | string {
  const a: Args = {
    positional: [],
    contexts: [],
    all: false,
    failing: false,
    output: 'text',
    watch: false,
    withSource: false,
    force: false,
    reset: false,
    timeoutS: 300,
  };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const value = () => {
      const v = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : rest[++i];
      if (v === undefined || v === '') throw new Error(`${arg} needs a value`);
      return v;
    };
    const name = arg.includes('=') ? arg.slice(0, arg.indexOf('=')) : arg;
    try {
      if (name === '--context') a.contexts.push(value());
      else if (name === '-n' || name === '--namespace') a.namespace = value();
      else if (name === '-A' || name === '--all-namespaces') a.all = true;
      else if (name === '--status') {
        const v = value();
        if (v !== 'failing') return `--status takes "failing", not "${v}"`;
        a.failing = true;
      } else if (name === '-o' || name === '--output') {
        const v = value();
        if (v !== 'text' && v !== 'json') return `-o takes text or json, not "${v}"`;
        a.output = v;
      } else if (name === '--watch' || name === '-w') a.watch = true;
      else if (name === '--with-source') a.withSource = true;
      else if (name === '--force') a.force = true;
      else if (name === '--reset') a.reset = true;
      else if (name === '--timeout') {
        const v = Number(value());
        if (!Number.isFinite(v) || v <= 0) return '--timeout takes a number of seconds';
        a.timeoutS = v;
      } else if (arg.startsWith('-')) return `unknown option: ${arg}`;
      else a.positional.push(arg);
    } catch (err) {
      return (err as Error).message;
    }
  }
  if (a.all && a.namespace) return '-n and -A exclude each other';
  return a;
}

/** Entry of cli-cluster.js: returns the exit code. */
export async function runClusterCommand(command: string, rest: string[]): Promise<number> {
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(CLUSTER_USAGE + '\n');
    return 0;
  }
  const args = parse(rest);
  if (typeof args === 'string') {
    process.stderr.write(`${args}\n${CLUSTER_USAGE}\n`);
    return 2;
  }
  if (command === 'get') return get(args);
  return act(command as 'reconcile' | 'suspend' | 'resume', args);
}

async function open(
  args: Args,
  kinds: readonly FluxKind[] | undefined,
  namespaces?: string[],
): Promise<{ explorer: FluxExplorer; sessions: ContextSession[] } | number> {
  const kc = await loadKubeconfig();
  for (const p of kc.problems) process.stderr.write(`warning: kubeconfig ${formatProblem(p)}\n`);
  const names = args.contexts.length ? args.contexts : kc.currentContext ? [kc.currentContext] : [];
  if (names.length === 0) {
    process.stderr.write(
      `no context: the kubeconfig (${kc.files.join(', ') || 'none found'}) has no current-context; pass --context\n`,
    );
    return 1;
  }
  for (const n of names)
    if (!kc.contexts.some((c) => c.name === n)) {
      process.stderr.write(
        `no context "${n}" in ${kc.files.join(', ')} (contexts: ${kc.contexts.map((c) => c.name).join(', ') || 'none'})\n`,
      );
      return 1;
    }
  const explorer = new FluxExplorer({
    ...(kinds ? { kinds: kinds.map(kindKey) } : {}),
    // -n NS: when the cluster scope is forbidden, that namespace is watched instead.
    ...(namespaces ? { namespaces: Object.fromEntries(names.map((n) => [n, namespaces])) } : {}),
    watchControllers: false,
    watchCrds: args.watch,
  });
  await explorer.loadKubeconfig();
  await explorer.show(names);
  return { explorer, sessions: names.map((n) => explorer.session(n)!) };
}

function namespaceOf(args: Args, s: ContextSession): string {
  return args.namespace ?? s.context.namespace ?? 'flux-system';
}

async function waitSettled(s: ContextSession): Promise<void> {
  while (!s.settled && s.phase.phase !== 'error') await new Promise((r) => setTimeout(r, 20));
}

/** "main@sha1:0123456789abcdef..." -> "main@sha1:01234567", as flux get shows it. */
function shortRevision(r: string | undefined): string {
  if (!r) return '';
  return r.replace(/(sha1|sha256|blake3):([0-9a-f]{8})[0-9a-f]+/, '$1:$2');
}

function row(o: CachedObject) {
  return {
    context: o.context,
    kind: o.kind.kind,
    namespace: o.namespace,
    name: o.name,
    state: o.status.state,
    reason: o.status.reason,
    message: o.status.message,
    revision: o.status.revision ?? '',
    ...(o.status.blockedBy ? { blockedBy: o.status.blockedBy } : {}),
  };
}

async function get(args: Args): Promise<number> {
  if (args.positional.length > 1) {
    process.stderr.write(`get takes at most one KIND\n${CLUSTER_USAGE}\n`);
    return 2;
  }
  const kind = args.positional[0] ? findKind(args.positional[0]) : undefined;
  if (args.positional[0] && !kind) {
    process.stderr.write(
      `unknown Flux kind: ${args.positional[0]} (kinds: ${FLUX_KINDS.map((k) => k.kind).join(', ')})\n`,
    );
    return 2;
  }
  const opened = await open(args, kind ? [kind] : undefined, args.namespace ? [args.namespace] : undefined);
  if (typeof opened === 'number') return opened;
  const { explorer, sessions } = opened;
  let code = 0;
  try {
    for (const s of sessions) await waitSettled(s);
    for (const s of sessions) {
      if (s.phase.phase === 'error') {
        process.stderr.write(`context ${s.name}: ${s.phase.message}\n`);
        code = 1;
        continue;
      }
      for (const k of s.kindStates()) {
        if (kind && k.kind.kind !== kind.kind) continue;
        if (!k.served) {
          if (kind)
            process.stderr.write(`context ${s.name}: ${k.kind.kind} is not installed (no CRD served)\n`);
          continue;
        }
        const covered = k.scopes.some(
          (sc) =>
            sc.phase.phase === 'watching' &&
            (!sc.namespace || args.all || sc.namespace === namespaceOf(args, s)),
        );
        for (const sc of k.scopes) {
          const p = sc.phase;
          if (p.phase === 'forbidden' && (covered || !args.all)) {
            // The namespaces you may list are shown; say what is left out only for -A.
            if (args.all)
              process.stderr.write(`context ${s.name}: ${p.message} (showing the namespaces you may list)\n`);
          } else if (p.phase === 'forbidden' || p.phase === 'notInstalled' || p.phase === 'unauthorized')
            process.stderr.write(`context ${s.name}: ${p.message}\n`);
          else if (p.phase === 'backoff')
            process.stderr.write(
              `context ${s.name}: ${p.error}${sc.synced ? ' (showing the last known state)' : ''}\n`,
            );
        }
      }
    }
    const select = (): CachedObject[] =>
      sessions
        .flatMap((s) =>
          s.list(kind ? { kind } : {}).filter((o) => args.all || o.namespace === namespaceOf(args, s)),
        )
        .filter((o) => !args.failing || isFailing(o.status))
        .sort(
          (a, b) =>
            a.context.localeCompare(b.context) ||
            FLUX_KINDS.indexOf(findKind(a.kind.kind)!) - FLUX_KINDS.indexOf(findKind(b.kind.kind)!) ||
            a.namespace.localeCompare(b.namespace) ||
            a.name.localeCompare(b.name),
        );
    const rows = select();
    if (args.output === 'json' && !args.watch)
      process.stdout.write(JSON.stringify(rows.map(row), null, 2) + '\n');
    else if (args.output === 'json')
      for (const r of rows) process.stdout.write(JSON.stringify(row(r)) + '\n');
    else printTable(rows, sessions.length > 1, args.all);
    if (!args.watch) return code;
    return await watchLoop(explorer, args, kind, sessions.length > 1, rows);
  } finally {
    await explorer.dispose();
  }
}

function printTable(rows: CachedObject[], withContext: boolean, withNamespace: boolean): void {
  if (rows.length === 0) {
    process.stderr.write('no Flux objects found\n');
    return;
  }
  const head = [
    ...(withContext ? ['CONTEXT'] : []),
    ...(withNamespace ? ['NAMESPACE'] : []),
    'NAME',
    'STATE',
    'REVISION',
    'MESSAGE',
  ];
  const cells = rows.map((o) => [
    ...(withContext ? [o.context] : []),
    ...(withNamespace ? [o.namespace] : []),
    `${o.kind.kind}/${o.name}`,
    o.status.state,
    shortRevision(o.status.revision),
    (o.status.blockedBy ? `blocked by ${o.status.blockedBy}` : o.status.message).replace(/\s+/g, ' '),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  for (const line of [head, ...cells])
    process.stdout.write(
      line
        .map((c, i) => (i === line.length - 1 ? c : c.padEnd(widths[i]! + 2)))
        .join('')
        .trimEnd() + '\n',
    );
}

function watchLoop(
  explorer: FluxExplorer,
  args: Args,
  kind: FluxKind | undefined,
  withContext: boolean,
  printed: CachedObject[],
): Promise<number> {
  return new Promise((resolve) => {
    // What each object last printed as: the listing above counts, so a change prints once.
    const last = new Map(
      printed.map((o) => [
        `${o.context} ${kindKey(o.kind)} ${o.namespace}/${o.name}`,
        JSON.stringify(row(o)),
      ]),
    );
    explorer.onDidChange((batch) => {
      for (const c of batch) {
        if (c.what !== 'object' || !c.kind || !c.key) continue;
        if (kind && c.kind !== kindKey(kind)) continue;
        const s = explorer.session(c.context);
        if (!s) continue;
        const [ns, name] = c.key.split('/');
        if (!args.all && ns !== namespaceOf(args, s)) continue;
        const fk = FLUX_KINDS.find((k) => kindKey(k) === c.kind)!;
        const o = s.get(fk, ns!, name!);
        const id = `${c.context} ${c.kind} ${c.key}`;
        const r:
          | ReturnType<typeof row>
          | {
              context: string;
              kind: string;
              namespace: string;
              name: string;
              state: string;
              reason: string;
              message: string;
              revision: string;
              blockedBy?: string;
            } = o
          ? row(o)
          : {
              context: c.context,
              kind: fk.kind,
              namespace: ns!,
              name: name!,
              state: 'Deleted',
              reason: '',
              message: '',
              revision: '',
            };
        const text = JSON.stringify(r);
        if (last.get(id) === text || (o && args.failing && !isFailing(o.status))) continue;
        last.set(id, text);
        if (args.output === 'json') process.stdout.write(text + '\n');
        else
          process.stdout.write(
            `${withContext ? `${c.context}  ` : ''}${args.all ? `${r.namespace}  ` : ''}${r.kind}/${r.name}  ${r.state}  ${shortRevision(r.revision)}  ${(r.blockedBy ? `blocked by ${r.blockedBy}` : r.message).replace(/\s+/g, ' ')}\n`,
          );
      }
    });
    const stop = () => resolve(0);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

async function act(command: 'reconcile' | 'suspend' | 'resume', args: Args): Promise<number> {
  const target = args.positional[0];
  const m = target ? /^([^/]+)\/([^/]+)$/.exec(target) : null;
  if (!m || args.positional.length !== 1) {
    process.stderr.write(`${command} takes one KIND/NAME\n${CLUSTER_USAGE}\n`);
    return 2;
  }
  const kind = findKind(m[1]!);
  if (!kind) {
    process.stderr.write(`unknown Flux kind: ${m[1]} (kinds: ${FLUX_KINDS.map((k) => k.kind).join(', ')})\n`);
    return 2;
  }
  if (args.contexts.length > 1) {
    process.stderr.write(`${command} takes one --context\n`);
    return 2;
  }
  if ((args.force || args.reset) && (command !== 'reconcile' || kind.kind !== 'HelmRelease')) {
    process.stderr.write('--force and --reset apply to reconcile of a HelmRelease\n');
    return 2;
  }
  if (args.withSource && command !== 'reconcile') {
    process.stderr.write('--with-source applies to reconcile\n');
    return 2;
  }
  // The object's kind, plus the source kinds a --with-source chain may walk.
  const kinds = args.withSource ? FLUX_KINDS.filter((k) => k === kind || k.category === 'source') : [kind];
  const opened = await open(args, kinds, args.namespace ? [args.namespace] : undefined);
  if (typeof opened === 'number') return opened;
  const { explorer, sessions } = opened;
  const s = sessions[0]!;
  try {
    if (s.phase.phase === 'error') {
      process.stderr.write(`context ${s.name}: ${s.phase.message}\n`);
      return 1;
    }
    await waitSettled(s);
    const ns = namespaceOf(args, s);
    const ctrl = new AbortController();
    const onInt = () => ctrl.abort();
    process.once('SIGINT', onInt);
    const verdict = await runAction(
      s,
      command,
      { kind: kind.kind, namespace: ns, name: m[2]! },
      {
        withSource: args.withSource,
        force: args.force,
        reset: args.reset,
        timeoutMs: args.timeoutS * 1000,
        signal: ctrl.signal,
        onStep: (step) => {
          if (step.ref.kind !== kind.kind || step.ref.name !== m[2])
            process.stdout.write(
              `${step.outcome === 'succeeded' ? '✔' : '✗'} ${step.ref.kind} ${step.ref.namespace}/${step.ref.name}: ${step.message}${step.ms !== undefined ? ` (${(step.ms / 1000).toFixed(1)} s)` : ''}\n`,
            );
        },
      },
    );
    process.off('SIGINT', onInt);
    const last = verdict.steps.at(-1)!;
    const mark = verdict.ok ? '✔' : '✗';
    process.stdout.write(
      `${mark} ${kind.kind} ${ns}/${m[2]}: ${last.message}${last.ms !== undefined ? ` (${(last.ms / 1000).toFixed(1)} s)` : ''}\n`,
    );
    return verdict.ok ? 0 : 1;
  } finally {
    await explorer.dispose();
  }
}
