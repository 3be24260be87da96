// The commit message template of an ImageUpdateAutomation (spec.git.commit.messageTemplate), a Go
// text/template. image-automation-controller 1.0 (Flux 2.7) removed two of its data fields:
// `.Updated` (deprecated since 0.38 for `.Changed`) and `.Changed.ImageResult` (the same data under
// the new name); a template that uses either fails every commit ("template uses removed '.Updated'
// field"). Pure: template text in, findings or the rewritten text out.

/** A removed template data field, as the controller names it in its error. */
export type RemovedTemplateField = '.Updated' | '.Changed.ImageResult';

/** The actions of a Go template: the text between `{{` and `}}` (trim markers included). */
function actions(template: string): Array<{ start: number; text: string }> {
  const out: Array<{ start: number; text: string }> = [];
  let at = 0;
  for (;;) {
    const open = template.indexOf('{{', at);
    if (open < 0) break;
    const close = template.indexOf('}}', open + 2);
    if (close < 0) break;
    out.push({ start: open + 2, text: template.slice(open + 2, close) });
    at = close + 2;
  }
  return out;
}

// `.Updated` and `$.Updated` are the root's field; `.Values.Updated` or `$x.Updated` are not.
const REMOVED = /(^|[^\w\])$.])(\$?\.Updated|\$?\.Changed\.ImageResult)(?!\w)/g;

/** The removed fields a template uses, each once, in order of first use. */
export function removedTemplateFields(template: string): RemovedTemplateField[] {
  const found = new Set<RemovedTemplateField>();
  for (const a of actions(template)) {
    if (/^-?\s*\/\*/.test(a.text)) continue; // a comment
    for (const m of a.text.matchAll(REMOVED)) found.add(m[2]!.replace(/^\$/, '') as RemovedTemplateField);
  }
  return [...found];
}

export interface TemplateMigration {
  text: string;
  /** What was rewritten: ".Updated.Files -> .Changed.FileChanges". */
  changes: string[];
  /** Uses left as they are, each with the reason (they need a hand edit). */
  left: string[];
}

// `.Updated` was an update.Result: Files (file -> objects -> image refs), Objects() (object -> image
// refs), Images() (image refs). `.Changed` keeps the same files and objects as keys, with changes
// (OldValue, NewValue, Setter) instead of image references as values. So a use that reads only the
// keys (a range whose value variable is `$_`, or len) renders the same text; anything that reads
// the values does not, and is left for the user.
const KEYS_ONLY_RANGE =
  /^(-?\s*range\s+\$\w+\s*,\s*\$_\s*:=\s*)(\$?)(\.Updated|\.Changed\.ImageResult)\.(Files|Objects)(\s*-?\s*)$/;
const LEN = /(\blen\s+)(\$?)(\.Updated|\.Changed\.ImageResult)\.(Files|Objects)(?!\w)/g;
const NEW_NAME: Record<string, string> = { Files: '.Changed.FileChanges', Objects: '.Changed.Objects' };

/**
 * Rewrites the uses of the removed fields that have an exact equivalent under `.Changed`:
 * `range $f, $_ := .Updated.Files` -> `.Changed.FileChanges`, `... .Updated.Objects` ->
 * `.Changed.Objects` (their keys are the same files and objects), and `len` of either. Other uses
 * (`.Updated.Images`, the values of Files or Objects) are listed in `left` with the reason.
 */
export function migrateMessageTemplate(template: string): TemplateMigration {
  const changes = new Set<string>();
  const left = new Set<string>();
  let out = '';
  let copied = 0;
  for (const a of actions(template)) {
    if (/^-?\s*\/\*/.test(a.text) || !new RegExp(REMOVED.source).test(a.text)) continue;
    let text = a.text;
    const range = KEYS_ONLY_RANGE.exec(text);
    if (range) {
      const to = NEW_NAME[range[4]!]!;
      text = `${range[1]}${range[2]}${to}${range[5]}`;
      changes.add(`${range[3]}.${range[4]} -> ${to}`);
    }
    text = text.replace(LEN, (_all, lenWord: string, dollar: string, from: string, field: string) => {
      const to = NEW_NAME[field]!;
      changes.add(`${from}.${field} -> ${to}`);
      return `${lenWord}${dollar}${to}`;
    });
    for (const m of text.matchAll(REMOVED)) left.add(leftReason(text, m.index! + m[1]!.length));
    out += template.slice(copied, a.start) + text;
    copied = a.start + a.text.length;
  }
  out += template.slice(copied);
  return { text: out, changes: [...changes], left: [...left] };
}

function leftReason(action: string, at: number): string {
  const use = /^\$?(\.Updated|\.Changed\.ImageResult)(\.\w+)?/.exec(action.slice(at))?.[0] ?? '.Updated';
  if (/\.Images$/.test(use))
    return `${use} (image references) has no exact equivalent: .Changed.Changes lists each change's .OldValue and .NewValue (the tag alone for a :tag setter)`;
  return `${use} here reads image references, which .Changed holds as changes (.OldValue, .NewValue, .Setter): rewrite it by hand`;
}
