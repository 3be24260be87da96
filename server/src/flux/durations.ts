// Go durations (time.ParseDuration) as the Flux CRDs accept them: the API server checks
// `^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$` (some timeouts leave out `h`). A schema engine reports a
// mismatch as the regular expression; users need the reason in words and the value to write.

/** The two duration patterns of the Flux 2.9 CRDs, and the units each allows. */
const PATTERNS: ReadonlyArray<{ source: string; units: string[] }> = [
  { source: '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$', units: ['ms', 's', 'm', 'h'] },
  { source: '^([0-9]+(\\.[0-9]+)?(ms|s|m))+$', units: ['ms', 's', 'm'] },
];

/** The units a duration pattern allows, or undefined when `pattern` is not a duration pattern. */
export function durationUnits(pattern: string): string[] | undefined {
  return PATTERNS.find((p) => p.source === pattern)?.units;
}

const WORDS: Readonly<Record<string, string>> = {
  millisecond: 'ms',
  milliseconds: 'ms',
  msec: 'ms',
  msecs: 'ms',
  sec: 's',
  secs: 's',
  second: 's',
  seconds: 's',
  min: 'm',
  mins: 'm',
  minute: 'm',
  minutes: 'm',
  hr: 'h',
  hrs: 'h',
  hour: 'h',
  hours: 'h',
  // Go's parser knows these, the Flux CRDs do not.
  us: 'ms',
  µs: 'ms',
  ns: 'ms',
};

/**
 * Why `value` is not a duration the field accepts, in words, with the value to write when one can be
 * guessed ("`10minutes` is not a Go duration: use 10m"). Undefined when the value is valid.
 */
export function explainDuration(
  value: string,
  units: readonly string[] = ['ms', 's', 'm', 'h'],
): string | undefined {
  const valid = new RegExp(`^([0-9]+(\\.[0-9]+)?(${units.join('|')}))+$`);
  if (valid.test(value)) return undefined;
  const shown = `\`${value}\``;
  const allowed = `a number followed by ${units.slice(0, -1).join(', ')} or ${units[units.length - 1]} (e.g. 30s, 10m${units.includes('h') ? ', 1h30m' : ''})`;
  const v = value.trim();
  if (v === '') return `An empty value is not a Go duration: write ${allowed}.`;
  if (/\s/.test(v)) {
    const fixed = v.replace(/\s+/g, '');
    const again = explainDuration(fixed, units);
    return `${shown} is not a Go duration: spaces are not allowed${again ? '' : `; use ${fixed}`}.`;
  }
  if (v.startsWith('-'))
    return `${shown} is not a Go duration Flux accepts: it cannot be negative. Write ${allowed}.`;
  if (/^[0-9]+(\.[0-9]+)?$/.test(v))
    return `${shown} is not a Go duration: it has no unit. Write ${allowed}, e.g. ${v}s for seconds.`;
  // Number-unit pairs, whatever the units.
  const parts = [...v.matchAll(/([0-9]+(?:\.[0-9]+)?)([^0-9.]*)/g)];
  if (parts.map((p) => p[0]).join('') !== v) return `${shown} is not a Go duration: write ${allowed}.`;
  let suggestion = '';
  const problems: string[] = [];
  for (const [, num, rawUnit] of parts) {
    const unit = rawUnit!;
    if (units.includes(unit)) {
      suggestion += num + unit;
      continue;
    }
    const lower = unit.toLowerCase();
    if (units.includes(lower)) {
      problems.push(`units are lower case (${lower}, not ${unit})`);
      suggestion += num + lower;
    } else if (lower === 'd' || lower === 'day' || lower === 'days') {
      problems.push('Go durations have no days');
      suggestion += `${Number(num) * 24}h`;
    } else if (lower === 'h' && !units.includes('h')) {
      problems.push('this field takes no hours');
      suggestion += `${Number(num) * 60}m`;
    } else if (WORDS[lower] && units.includes(WORDS[lower]!)) {
      if (lower === 'us' || lower === 'µs' || lower === 'ns') {
        problems.push(`${unit} is finer than Flux accepts (its smallest unit is ms)`);
        suggestion = '';
        break;
      }
      problems.push(`the unit is written ${WORDS[lower]}, not ${unit}`);
      suggestion += num + WORDS[lower]!;
    } else if (unit === '') {
      problems.push(`${num} has no unit`);
      suggestion = '';
      break;
    } else {
      problems.push(`${unit} is not a unit`);
      suggestion = '';
      break;
    }
  }
  const reason = [...new Set(problems)].join('; ');
  if (suggestion && !explainDurationQuiet(suggestion, units))
    return `${shown} is not a Go duration (${reason}): use ${suggestion}.`;
  return `${shown} is not a Go duration (${reason}): write ${allowed}.`;
}

function explainDurationQuiet(value: string, units: readonly string[]): boolean {
  return !new RegExp(`^([0-9]+(\\.[0-9]+)?(${units.join('|')}))+$`).test(value);
}
