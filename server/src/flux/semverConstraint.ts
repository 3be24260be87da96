// Chart version constraints as source-controller reads HelmChart `spec.version` (and HelmRelease
// `spec.chart.spec.version`): Masterminds/semver v3 constraints, e.g. `1.2.3`, `>=1.2 <2`, `~1.2`,
// `^1`, `1.x`, `*`, `>= 1.0, < 2.0 || 3.x`, `1.2 - 1.4.5`. A value that does not parse makes the
// chart fail to reconcile; this is a syntax check of our own with the same grammar.

const PART = '(?:[0-9]+|[xX*])';
const IDENT = '[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*';
const VERSION = `v?${PART}(?:\\.${PART}){0,2}(?:-${IDENT})?(?:\\+${IDENT})?`;
const OP = '(?:!=|>=|=>|<=|=<|~>|[=><~^])';
const TERM = new RegExp(`^${OP}?\\s*${VERSION}$`);
const HYPHEN = new RegExp(`^(${VERSION})\\s+-\\s+(${VERSION})$`);

/** Why `value` is not a semver constraint, or undefined when it is one. */
export function semverConstraintProblem(value: string): string | undefined {
  const text = value.trim();
  if (text === '' || text === '*') return undefined;
  for (const alternative of text.split('||')) {
    const alt = alternative.trim();
    if (alt === '') return `\`${value}\` has an empty alternative around \`||\``;
    if (HYPHEN.test(alt)) continue;
    // Terms are separated by commas or spaces; an operator may be followed by spaces.
    const terms = alt
      .replace(new RegExp(`(${OP})\\s+`, 'g'), '$1')
      .split(/\s*,\s*|\s+/)
      .filter(Boolean);
    for (const t of terms) {
      if (!TERM.test(t)) return `\`${t}\` is not a version or a comparison such as \`>=1.2.0\``;
    }
  }
  return undefined;
}
