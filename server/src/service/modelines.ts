/**
 * `# yaml-language-server: $schema=<url>` modelines. Users put them in on purpose, so they are honoured
 * when their schema loads; when it cannot be loaded (offline, 404), the modeline is blanked in the
 * text given to the schema engine, so Flux kinds are still checked with the Flux schemas.
 */
// The forms yaml-language-server honours: `# yaml-language-server: $schema=<url>`, the same with
// `$schema: <url>`, and `# $schema: <url>`.
const MODELINE =
  /^[ \t]*#[ \t]+(?:yaml-language-server[ \t]*:[^\n]*?\$schema(?:=|:[ \t]*)|\$schema:[ \t]*)(\S+)[^\n]*$/gm;

export interface Modeline {
  url: string;
  start: number;
  end: number;
}

export function findModelines(text: string): Modeline[] {
  if (!text.includes('$schema')) return [];
  const out: Modeline[] = [];
  for (const m of text.matchAll(MODELINE)) {
    out.push({ url: m[1]!, start: m.index!, end: m.index! + m[0].length });
  }
  return out;
}

/** Replaces each given modeline with spaces after its `#`, keeping every offset intact. */
export function blankModelines(text: string, modelines: Modeline[]): string {
  if (modelines.length === 0) return text;
  let out = '';
  let at = 0;
  for (const m of modelines) {
    const hash = text.indexOf('#', m.start);
    out += text.slice(at, hash + 1) + ' '.repeat(m.end - hash - 1);
    at = m.end;
  }
  return out + text.slice(at);
}
