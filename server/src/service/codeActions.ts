import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { CodeActionKind, type CodeAction, type Diagnostic } from 'vscode-languageserver-types';
import { migrateFluxDocument, migrateImageUpdateTemplate } from '../flux/migrations';
import { moveProxyToSecret } from '../flux/providerProxy';
import { fixKustomization, type FixIo } from '../kustomize/fixKustomization';
import { parseFile, splitDocuments } from '../workspace/documents';
import { uriToPath } from './languageService';

const KUSTOMIZATION_FILE = /^(kustomization\.ya?ml|Kustomization)$/;

/** Reads files from disk, or from the editor's buffer when one is open (unsaved text wins). */
export function fixIo(openText: (file: string) => string | undefined): FixIo {
  return {
    async readText(file) {
      const open = openText(file);
      if (open !== undefined) return open;
      try {
        return await readFile(file, 'utf8');
      } catch {
        return undefined;
      }
    },
  };
}

/**
 * Quick fixes for the diagnostics the client sends back:
 * - a Flux object of a removed (or soon removed) API version: rewrite the document to the served
 *   version with Flux's field migrations (migrations.ts); an ImageUpdateAutomation of the served
 *   version whose message template uses removed data: the template rewritten;
 * - a Provider's deprecated spec.proxy: moved into a new Secret named by spec.proxySecretRef;
 * - deprecated kustomization.yaml fields: what `kustomize edit fix` does (fixKustomization.ts).
 * Each edit replaces exactly the document (or file) it fixes.
 */
export async function codeActions(
  doc: TextDocument,
  diagnostics: Diagnostic[],
  io: FixIo,
): Promise<CodeAction[]> {
  const out: CodeAction[] = [];
  const text = doc.getText();
  const migrateCodes = new Set([
    'removed-api-version',
    'api-version-removed-later',
    'removed-template-field',
  ]);
  const migrations = diagnostics.filter((d) => typeof d.code === 'string' && migrateCodes.has(d.code));
  if (migrations.length) {
    for (const piece of splitDocuments(text)) {
      const at = (d: Diagnostic): boolean => {
        const offset = doc.offsetAt(d.range.start);
        return offset >= piece.offset && offset < piece.offset + piece.text.length;
      };
      const mine = migrations.filter(at);
      if (mine.length === 0) continue;
      const moved = migrateFluxDocument(piece.text);
      const m = moved ?? migrateImageUpdateTemplate(piece.text);
      if (!m) continue;
      const kind = parseFile(piece.text).docs[0]?.kind ?? 'object';
      const fields = moved ? m.changes.slice(1) : m.changes;
      const notes = [...fields, ...(m.left ?? []).map((l) => `left: ${l}`)];
      out.push({
        title:
          (moved
            ? `Migrate ${kind} to ${m.apiVersion}`
            : 'Rewrite the commit message template for .Changed') +
          (notes.length ? ` (${notes.join('; ')})` : ''),
        kind: CodeActionKind.QuickFix,
        isPreferred: true,
        diagnostics: mine,
        edit: {
          changes: {
            [doc.uri]: [
              {
                range: {
                  start: doc.positionAt(piece.offset),
                  end: doc.positionAt(piece.offset + piece.text.length),
                },
                newText: m.text,
              },
            ],
          },
        },
      });
    }
  }
  const file = uriToPath(doc.uri);
  const deprecated = diagnostics.filter((d) => d.code === 'deprecated-field');
  for (const d of deprecated) {
    if (!/^`proxy` is deprecated/.test(typeof d.message === 'string' ? d.message : '')) continue;
    const offset = doc.offsetAt(d.range.start);
    const piece = splitDocuments(text).find((p) => offset >= p.offset && offset < p.offset + p.text.length);
    const move = piece && moveProxyToSecret(piece.text);
    if (!piece || !move) continue;
    out.push({
      title: `Move spec.proxy to a new Secret ${move.secretName} (spec.proxySecretRef)`,
      kind: CodeActionKind.QuickFix,
      isPreferred: true,
      diagnostics: [d],
      edit: {
        changes: {
          [doc.uri]: [
            {
              range: {
                start: doc.positionAt(piece.offset),
                end: doc.positionAt(piece.offset + piece.text.length),
              },
              newText: move.text,
            },
          ],
        },
      },
    });
  }
  if (file && deprecated.length && KUSTOMIZATION_FILE.test(path.basename(file))) {
    const fix = await fixKustomization(file, text, io);
    if (fix && fix.changes.length) {
      out.push({
        title: `Replace deprecated kustomization fields (kustomize edit fix): ${fix.changes.join('; ')}${fix.notes.length ? `; ${fix.notes.join('; ')}` : ''}`,
        kind: CodeActionKind.QuickFix,
        isPreferred: true,
        diagnostics: deprecated,
        edit: {
          changes: {
            [doc.uri]: [
              { range: { start: doc.positionAt(0), end: doc.positionAt(text.length) }, newText: fix.text },
            ],
          },
        },
      });
    }
  }
  return out;
}
