import type { BuildResult } from '../../../server/src/protocol';

/**
 * The comment block on top of a preview: what was built, with which kustomize, from which inputs
 * and variables, and what went wrong. Pure (no vscode import) so it is unit-tested.
 */
export function previewText(
  r: BuildResult,
  relative: (uri: string) => string,
  lastGood?: string,
  /** Leave out durations (the two sides of a diff would always differ there). */
  options: { timings?: boolean } = {},
): string {
  const timings = options.timings !== false;
  const lines: string[] = [];
  const c = (s: string): void => void lines.push(`# ${s}`.trimEnd());
  c(`Flux build preview: ${r.title}${r.revision ? ` at ${r.revision}` : ''}`);
  if (r.dirUri)
    c(`path: ${relative(r.dirUri)}${r.generated ? ' (no kustomization.yaml: generated as Flux does)' : ''}`);
  c(
    `engine: ${r.engine ?? 'none'}${r.ok ? `; ${r.objectCount} objects${timings ? ` in ${r.durationMs} ms` : ''}` : ''}`,
  );
  if (timings && r.phases && Object.keys(r.phases).length) {
    c(
      `time: ${Object.entries(r.phases)
        .map(([k, v]) => `${k} ${v} ms`)
        .join(', ')}`,
    );
  }
  for (const p of r.parents ?? []) c(`parent: ${p}`);
  if (r.overlays.length) c(`overlaid from the Flux spec: ${r.overlays.join('; ')}`);
  if (r.variables.length) {
    c('variables applied:');
    for (const v of r.variables) c(`  ${v.name}=${oneLine(v.value)}  <- ${v.source}`);
  } else c('variables applied: none');
  c(`unresolved variables: ${r.unresolved.length ? r.unresolved.join(', ') : 'none'}`);
  for (const w of r.warnings) c(`warning: ${oneLine(w)}`);
  for (const e of r.errors)
    c(
      `ERROR: ${e.uri ? `${relative(e.uri)}${e.line !== undefined ? `:${e.line + 1}` : ''}: ` : ''}${oneLine(e.message)}`,
    );
  if (!r.ok && lastGood) {
    c('');
    c('The last successful build follows (it is out of date):');
    return lines.join('\n') + '\n---\n' + lastGood;
  }
  return lines.join('\n') + '\n' + (r.ok ? '---\n' + r.yaml : '');
}

function oneLine(s: string): string {
  const t = s.replace(/\s*\n\s*/g, ' ⏎ ');
  return t.length > 400 ? t.slice(0, 400) + '…' : t;
}
