import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { CodeActionKind, type CodeAction, type Diagnostic } from 'vscode-languageserver-types';
import { migrateFluxDocument } from '../flux/migrations';
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
 *   version with Flux's field migrations (migrations.ts);
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
  const migrateCodes = new Set(['removed-api-version', 'api-version-removed-later']);
  const migrations = diagnostics.filter((d) => typeof d.code === 'string' && migrateCodes.has(d.code));
  if (migrations.length) {
    for (const piece of splitDocuments(text)) {
      const at = (d: Diagnostic): boolean => {
        const offset = doc.offsetAt(d.range.start);
        return offset >= piece.offset && offset < piece.offset + piece.text.length;
      };
      const mine = migrations.filter(at);
      if (mine.length === 0) continue;
      const m = migrateFluxDocument(piece.text);
      if (!m) continue;
      const kind = parseFile(piece.text).docs[0]?.kind ?? 'object';
      const fields = m.changes.slice(1);
      out.push({
        title: `Migrate ${kind} to ${m.apiVersion}${fields.length ? ` (${fields.join('; ')})` : ''}`,
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
