// The status bar's text and tooltip for the shown contexts, from their counts. Pure.

import { md } from './present';
import type { SessionView } from './state';

/** The context needs an exec credential plugin, which runs only in a trusted workspace. */
export function waitsForTrust(s: SessionView, trusted: boolean): boolean {
  return !trusted && s.context.user?.body['exec'] !== undefined;
}

export function statusBarText(
  sessions: readonly SessionView[],
  trusted: boolean,
): { text: string; tooltip: string; failing: number } {
  let ready = 0;
  let failing = 0;
  let inProgress = 0;
  let suspended = 0;
  const lines: string[] = [];
  for (const s of sessions) {
    const p = s.phase;
    if (p.phase !== 'ready') {
      const why = p.phase === 'error' ? p.message : p.phase;
      lines.push(`- **${md(s.name)}**: ${md(why)}`);
      continue;
    }
    const c = s.counts();
    ready += c.ready;
    failing += c.failing;
    inProgress += c.inProgress;
    suspended += c.suspended;
    const v = s.discovery?.fluxVersion ? ` (Flux ${md(s.discovery.fluxVersion)})` : '';
    lines.push(
      `- **${md(s.name)}**${v}: ${c.ready} ready, ${c.failing} failing, ${c.inProgress} in progress, ${c.suspended} suspended`,
    );
  }
  const down = sessions.filter((s) => s.phase.phase === 'error');
  // A context waiting for trust is not a failing cluster.
  const untrusted = down.filter((s) => waitsForTrust(s, trusted)).length;
  const name = sessions.length === 1 ? sessions[0]!.name : `${sessions.length} contexts`;
  const icon =
    down.length > untrusted ? '$(error)' : untrusted ? '$(workspace-untrusted)' : '$(server-environment)';
  const counts = `$(pass) ${ready} $(error) ${failing} $(sync) ${inProgress} $(debug-pause) ${suspended}`;
  return {
    text: `${icon} ${name}  ${counts}`,
    tooltip: [
      '**Flux** (ready, failing, in progress, suspended)',
      '',
      ...lines,
      '',
      trusted ? '' : '_Restricted Mode: exec credential plugins are not run._',
      'Click to show the Flux views.',
    ].join('\n'),
    failing,
  };
}
