import * as path from 'node:path';
import {
  SymbolKind,
  type CodeLens,
  type DocumentLink,
  type DocumentSymbol,
  type Location,
  type SymbolInformation,
} from 'vscode-languageserver-types';
import type { LatestImage } from '../protocol';
import { specPathDir } from '../io/paths';
import type { WorkspaceModel } from '../workspace/model';
import type { IndexedObject, RefSite } from '../workspace/objectFacts';
import { kustomizationIn } from '../workspace/rendering';
import type { Definition, Resolution } from '../workspace/resolver';
import type { Span } from '../workspace/yamlNodes';
import type { SemanticAnalysis } from './analysis';
import { isDynamic, objectLabel, resolveRef } from './checks/references';
import { variablesOf } from './checks/variables';
import { fileUri, rangeOf } from './findings';
import { locate } from './locate';

/** The client command a CodeLens runs to list locations (the VS Code client maps it to its peek view). */
export const SHOW_LOCATIONS_COMMAND = 'fluxWorkbench.showLocations';

const FLUX_GROUP = /\.fluxcd\.io$/;

/**
 * Navigation over the workspace model: definitions and references of every Flux reference, variable
 * and setter marker, document links for paths, document and workspace symbols, and CodeLens lines
 * (what a Kustomization renders and depends on; which Kustomizations render a manifest).
 */
export class Navigation {
  constructor(private readonly analysis: SemanticAnalysis) {}

  private get model(): WorkspaceModel {
    return this.analysis.model;
  }

  private loc(file: string, span: Span): Location {
    return { uri: fileUri(file), range: rangeOf(this.model, file, span) };
  }

  private defLocation(d: Definition): Location | undefined {
    if (d.origin.type === 'file')
      return this.loc(d.origin.object.file, d.origin.object.nameSpan ?? d.origin.object.span);
    if (d.origin.type === 'created')
      return this.loc(d.origin.by.file, d.origin.by.nameSpan ?? d.origin.by.span);
    return undefined;
  }

  /** The resolution of a reference, with the kind dependsOn implies. */
  resolve(o: IndexedObject, r: RefSite): Resolution {
    const kind = r.field.dependency ? o.kind : r.kind;
    return resolveRef(this.model, this.analysis.resolver, o, r, kind, r.field.kinds).resolution;
  }

  definition(file: string, offset: number): Location[] {
    const f = this.model.get(file);
    const at = f && locate(f, offset);
    if (!at) return [];
    switch (at.type) {
      case 'ref': {
        if (isDynamic(at.ref)) return [];
        const res = this.resolve(at.object, at.ref);
        const defs = res.status === 'missing' ? [] : res.definitions;
        return defs.map((d) => this.defLocation(d)).filter((l): l is Location => !!l);
      }
      case 'marker': {
        const res = this.analysis.resolver.resolve(
          'ImagePolicy',
          at.marker.name,
          at.marker.namespace,
          [],
          file,
        );
        return res.status === 'missing'
          ? []
          : res.definitions.map((d) => this.defLocation(d)).filter((l): l is Location => !!l);
      }
      case 'var':
        return this.variableDefinitions(file, at.use.name);
      case 'kustomize-path': {
        if (at.ref.remote) return [];
        const target = this.pathTarget(path.resolve(path.dirname(file), at.ref.value));
        return target ? [this.loc(target, [0, 0])] : [];
      }
      case 'spec-path': {
        const target = this.specPathTarget(at.object);
        return target ? [this.loc(target, [0, 0])] : [];
      }
      default:
        return [];
    }
  }

  /** Where a variable used in `file` is defined, for every Kustomization that renders the file. */
  variableDefinitions(file: string, name: string): Location[] {
    const out: Location[] = [];
    for (const w of this.model.ownersOf(file)) {
      const d = variablesOf(this.model, this.analysis.resolver, w.ks).defined.get(name);
      if (d) out.push(this.loc(d.file, d.span));
    }
    return out;
  }

  /** A folder's kustomization file, else its first YAML file; a file itself. */
  private pathTarget(abs: string): string | undefined {
    const kind = this.model.tree.kind(abs);
    if (kind === 'file') return abs;
    if (kind !== 'dir') return undefined;
    return (
      kustomizationIn(this.model.renderContext(), abs)?.file ??
      this.model.tree
        .list(abs)
        .map((n) => path.join(abs, n))
        .find((p) => /\.ya?ml$/.test(p))
    );
  }

  private specPathTarget(ks: IndexedObject): string | undefined {
    const src = this.model.sourceOf(ks);
    if ((src.kind !== 'local' && src.kind !== 'guessed') || ks.ks?.path === undefined) return undefined;
    return this.pathTarget(specPathDir(src.root, ks.ks.path));
  }

  /** Every reference to the object at `offset` (or to what the reference at `offset` names). */
  references(file: string, offset: number, includeDeclaration: boolean): Location[] {
    const f = this.model.get(file);
    const at = f && locate(f, offset);
    if (!at) return [];
    let targets: IndexedObject[] = [];
    if (at.type === 'object') targets = [at.object];
    else if (at.type === 'ref') {
      const res = this.resolve(at.object, at.ref);
      if (res.status === 'found')
        targets = res.definitions.flatMap((d) => (d.origin.type === 'file' ? [d.origin.object] : []));
    } else if (at.type === 'var' || at.type === 'var-definition') {
      const name = at.type === 'var' ? at.use.name : at.name;
      return this.variableUses(file, name, at.type === 'var-definition' ? at.object : undefined);
    }
    const out: Location[] = [];
    for (const t of targets) {
      if (includeDeclaration) out.push(this.loc(t.file, t.nameSpan ?? t.span));
      for (const r of this.analysis.referencesTo(t)) out.push(this.loc(r.from.file, r.ref.nameSpan));
      if (t.kind === 'ImagePolicy')
        for (const g of this.model.allFiles())
          for (const m of g.markers)
            if (m.name === t.name && this.model.namespacesOf(t).includes(m.namespace))
              out.push(this.loc(g.file, m.span));
    }
    return out;
  }

  /** Uses of a variable in the files rendered by the Kustomizations that can define it. */
  private variableUses(file: string, name: string, definer?: IndexedObject): Location[] {
    const kss = definer?.ks ? [definer] : this.model.ownersOf(file).map((w) => w.ks);
    // A ConfigMap's key: the Kustomizations that substitute from it.
    if (definer && !definer.ks)
      for (const ks of this.model.fluxKustomizations())
        if (
          ks.refs.some(
            (r) =>
              r.field.label === 'spec.postBuild.substituteFrom' &&
              r.name === definer.name &&
              r.kind === definer.kind,
          )
        )
          kss.push(ks);
    const out: Location[] = [];
    const seen = new Set<string>();
    for (const ks of kss) {
      const r = this.model.rendering(ks);
      for (const f of r ? [...r.resources.keys(), ...r.inputs] : []) {
        for (const u of this.model.get(f)?.varUses ?? []) {
          const key = `${f}:${u.span[0]}`;
          if (u.name !== name || seen.has(key)) continue;
          seen.add(key);
          out.push(this.loc(f, u.span));
        }
      }
    }
    return out;
  }

  documentLinks(file: string): DocumentLink[] {
    const f = this.model.get(file);
    if (!f) return [];
    const out: DocumentLink[] = [];
    for (const ref of f.kustomize?.refs ?? []) {
      if (ref.remote) {
        if (/^https?:\/\//.test(ref.value))
          out.push({
            range: rangeOf(this.model, file, ref.span),
            target: ref.value,
            tooltip: 'remote resource (kustomize fetches it)',
          });
        continue;
      }
      const target = this.pathTarget(path.resolve(path.dirname(file), ref.value));
      if (target)
        out.push({
          range: rangeOf(this.model, file, ref.span),
          target: fileUri(target),
          tooltip: path.relative(path.dirname(file), target),
        });
    }
    for (const o of f.objects) {
      if (!o.ks?.pathSpan || o.createdBy) continue;
      const target = this.specPathTarget(o);
      if (target)
        out.push({
          range: rangeOf(this.model, file, o.ks.pathSpan),
          target: fileUri(target),
          tooltip: `spec.path: ${path.relative(this.model.rootOf(file) ?? '', target)}`,
        });
    }
    return out;
  }

  /** "Kustomization flux-system/apps", one per document of the file. */
  documentSymbols(file: string): DocumentSymbol[] {
    const f = this.model.get(file);
    if (!f) return [];
    const out: DocumentSymbol[] = [];
    for (const o of f.objects) {
      if (o.createdBy || o.docIndex < 0) continue;
      const range = rangeOf(this.model, file, o.span);
      const selection = rangeOf(this.model, file, o.nameSpan ?? o.kindSpan ?? o.span);
      out.push({
        name: this.label(o),
        detail: o.apiVersion,
        kind: FLUX_GROUP.test(o.group) ? SymbolKind.Class : SymbolKind.Object,
        range,
        // The selection must lie inside the range (a name on the document's first line does).
        selectionRange: within(selection, range) ? selection : range,
      });
    }
    if (f.kustomize && out.length === 0) {
      const range = rangeOf(this.model, file, [0, f.lineStarts[f.lineStarts.length - 1] ?? 0]);
      out.push({
        name: `${f.kustomize.kind} (kustomize)`,
        kind: SymbolKind.Module,
        range,
        selectionRange: { start: range.start, end: range.start },
      });
    }
    return out;
  }

  private label(o: IndexedObject): string {
    const ns = this.model.namespacesOf(o).find((n) => n !== undefined) ?? o.namespace;
    return objectLabel(o.kind, ns, o.name || '(no name)');
  }

  workspaceSymbols(query: string, limit = 500): SymbolInformation[] {
    const q = query.toLowerCase();
    const out: SymbolInformation[] = [];
    for (const f of this.model.allFiles()) {
      for (const o of f.objects) {
        if (out.length >= limit) return out;
        if (o.createdBy || o.docIndex < 0) continue;
        const label = this.label(o);
        if (q && !fuzzy(label.toLowerCase(), q)) continue;
        out.push({
          name: label,
          kind: FLUX_GROUP.test(o.group) ? SymbolKind.Class : SymbolKind.Object,
          location: this.loc(o.file, o.nameSpan ?? o.span),
          containerName: path.relative(this.model.rootOf(o.file) ?? '', o.file),
        });
      }
    }
    return out;
  }

  /**
   * Above each Flux Kustomization: the files it renders, what it depends on and what depends on it;
   * above every other object a Kustomization renders: which one(s) render it.
   */
  codeLenses(file: string): CodeLens[] {
    const f = this.model.get(file);
    if (!f || !this.analysis.ready) return [];
    const out: CodeLens[] = [];
    const owners = this.model.ownersOf(file).filter((w) => !w.input);
    for (const o of f.objects) {
      if (o.createdBy || o.docIndex < 0) continue;
      const line = rangeOf(this.model, file, [o.span[0], o.span[0]]);
      // The lens sits on the document's first content line (past a leading `---` and comments).
      const start = rangeOf(this.model, file, o.kindSpan ?? o.apiVersionSpan ?? o.span).start;
      const range = {
        start: { line: Math.max(line.start.line, start.line), character: 0 },
        end: { line: Math.max(line.start.line, start.line), character: 0 },
      };
      const show = (title: string, locations: Location[]): CodeLens => ({
        range,
        command: {
          title,
          command: SHOW_LOCATIONS_COMMAND,
          arguments: [fileUri(file), range.start, locations],
        },
      });
      if (o.ks && o.group === 'kustomize.toolkit.fluxcd.io') {
        const r = this.model.rendering(o);
        const src = this.model.sourceOf(o);
        if (r) {
          const files = [...r.resources.keys()];
          out.push(
            show(
              `renders ${files.length} file${files.length === 1 ? '' : 's'}`,
              files.map((p) => this.loc(p, [0, 0])),
            ),
          );
        } else {
          const from = o.refs.find((x) => x.field.label === 'spec.sourceRef');
          const title =
            src.kind === 'other-repository'
              ? `renders files of ${src.url}`
              : `renders files of ${from ? `${from.kind} ${from.name}` : 'its source'} (not known to be in this workspace)`;
          out.push({ range, command: { title, command: '' } });
        }
        const deps = o.refs.filter((x) => x.field.dependency && !isDynamic(x));
        if (deps.length) {
          const locs = deps.flatMap((d) => {
            const res = this.resolve(o, d);
            return res.status === 'found'
              ? res.definitions.map((x) => this.defLocation(x)).filter((l): l is Location => !!l)
              : [];
          });
          out.push(show(`depends on ${deps.map((d) => d.name).join(', ')}`, locs));
        }
        const by = this.analysis.referencesTo(o).filter((x) => x.ref.field.dependency);
        if (by.length)
          out.push(
            show(
              `depended on by ${[...new Set(by.map((x) => x.from.name))].join(', ')}`,
              by.map((x) => this.loc(x.from.file, x.ref.nameSpan)),
            ),
          );
      } else if (owners.length) {
        const names = [
          ...new Set(
            owners.map((w) =>
              objectLabel('Kustomization', this.model.namespacesOf(w.ks)[0] ?? w.ks.namespace, w.ks.name),
            ),
          ),
        ];
        out.push(
          show(
            `rendered by ${names.join(', ')}`,
            owners.map((w) => this.loc(w.ks.file, w.ks.nameSpan ?? w.ks.span)),
          ),
        );
      }
    }
    return out;
  }

  /** Markdown for the thing at `offset`: what a reference resolves to, a variable's value, a marker's policy. */
  hover(file: string, offset: number): { markdown: string; span: Span } | undefined {
    const f = this.model.get(file);
    const at = f && locate(f, offset);
    if (!at || !this.analysis.ready) return undefined;
    const rel = (p: string): string => path.relative(this.model.rootOf(p) ?? path.dirname(p), p);
    const where = (d: Definition): string => {
      if (d.origin.type === 'file') {
        const o = d.origin.object;
        const line = rangeOf(this.model, o.file, o.nameSpan ?? o.span).start.line + 1;
        return `\`${rel(o.file)}:${line}\`${o.createdBy ? ` (made by ${o.createdBy})` : ''}${o.url ? ` — ${o.url}` : ''}${o.summary ? ` — ${o.summary}` : ''}`;
      }
      return d.origin.type === 'created'
        ? `made at run time by ${d.origin.how}`
        : `in cluster ${d.origin.context}`;
    };
    if (at.type === 'ref' && !isDynamic(at.ref)) {
      const res = this.resolve(at.object, at.ref);
      const ns = this.model.namespacesOf(at.object)[0];
      const label = objectLabel(
        at.ref.field.dependency ? at.object.kind : at.ref.kind,
        at.ref.namespace ?? ns,
        at.ref.name,
      );
      const text =
        res.status === 'found'
          ? `**${label}**: ${res.definitions.map(where).join('; ')}`
          : res.status === 'external'
            ? `**${label}**: not in the files; ${res.reason || 'made at run time'}`
            : `**${label}**: not found in the workspace`;
      return { markdown: text, span: at.ref.nameSpan };
    }
    if (at.type === 'marker') {
      const res = this.analysis.resolver.resolve(
        'ImagePolicy',
        at.marker.name,
        at.marker.namespace,
        [],
        file,
      );
      const part = at.marker.part ? ` (its ${at.marker.part})` : ' (the whole image reference)';
      const found = res.status === 'found' || res.status === 'external';
      const text = found
        ? `Image automation setter: ImagePolicy **${at.marker.namespace}/${at.marker.name}**${part}: ${res.definitions.map(where).join('; ')}`
        : `Image automation setter: no ImagePolicy ${at.marker.namespace}/${at.marker.name} in the workspace`;
      const live = found
        ? res.definitions.flatMap((d) =>
            d.origin.type === 'cluster'
              ? [latestImageLine(d.origin.context, d.origin.latestImage, at.marker.part)]
              : [],
          )
        : [];
      return { markdown: [text, ...live].join('\n\n'), span: at.marker.span };
    }
    if (at.type === 'var') {
      const lines: string[] = [];
      for (const w of this.model.ownersOf(file)) {
        const vars = variablesOf(this.model, this.analysis.resolver, w.ks);
        const d = vars.defined.get(at.use.name);
        const label = objectLabel('Kustomization', this.model.namespacesOf(w.ks)[0], w.ks.name);
        if (!vars.substitutes) lines.push(`${label} does not substitute variables (no spec.postBuild)`);
        else if (d)
          lines.push(
            `${label}: ${d.message} (\`${rel(d.file)}:${rangeOf(this.model, d.file, d.span).start.line + 1}\`)`,
          );
        else if (!vars.complete)
          lines.push(
            `${label}: not defined in the workspace; its variables also come from ${vars.unknownBecause.join(', ')}`,
          );
        else lines.push(`${label}: **not defined**${at.use.hasDefault ? ' (the default applies)' : ''}`);
      }
      if (lines.length === 0) lines.push('No Kustomization of the workspace renders this file.');
      return {
        markdown: `\`\${${at.use.name}}\` (post-build substitution)\n\n${lines.map((l) => `- ${l}`).join('\n')}`,
        span: at.use.span,
      };
    }
    return undefined;
  }
}

function within(
  inner: { start: { line: number; character: number }; end: { line: number; character: number } },
  outer: typeof inner,
): boolean {
  const le = (a: typeof inner.start, b: typeof inner.start): boolean =>
    a.line < b.line || (a.line === b.line && a.character <= b.character);
  return le(outer.start, inner.start) && le(inner.end, outer.end);
}

function fuzzy(text: string, query: string): boolean {
  let i = 0;
  for (const c of text) if (c === query[i]) i++;
  return i === query.length;
}

/**
 * What the setter would write now, from the ImagePolicy's status in a cluster: the value of the
 * marker's form (`:tag` the tag, `:name` the name, `:digest` the digest, none the whole reference).
 */
function latestImageLine(context: string, image: LatestImage | undefined, part: string | undefined): string {
  if (!image) return `Latest image in cluster ${context}: none yet (the ImagePolicy's status names no image)`;
  const whole = `${image.name}${image.tag ? `:${image.tag}` : ''}${image.digest ? `@${image.digest}` : ''}`;
  switch (part) {
    case 'tag':
      return image.tag
        ? `Latest tag in cluster ${context}: \`${image.tag}\` (image \`${whole}\`)`
        : `Latest tag in cluster ${context}: none (image \`${whole}\`)`;
    case 'name':
      return `Latest image name in cluster ${context}: \`${image.name}\``;
    case 'digest':
      return image.digest
        ? `Latest digest in cluster ${context}: \`${image.digest}\` (image \`${whole}\`)`
        : `Latest digest in cluster ${context}: none in the ImagePolicy's status (its spec.digestReflectionPolicy decides whether one is recorded; image \`${whole}\`)`;
    default:
      return `Latest image in cluster ${context}: \`${whole}\``;
  }
}
