// Flux semantics over the workspace model: cross-reference checks (checks/), navigation and name
// completion. Findings are plain data with file offsets; the language service turns them into LSP
// diagnostics with positions. Imports workspace/ and below only.

import { pathToFileURL } from 'node:url';
import {
  DiagnosticSeverity,
  type Diagnostic,
  type DiagnosticRelatedInformation,
  type Range,
} from 'vscode-languageserver-types';
import type { DiagnosticCode } from '../diagnosticCodes';
import type { WorkspaceModel } from '../workspace/model';
import type { Span } from '../workspace/yamlNodes';

export interface Related {
  file: string;
  span: Span;
  message: string;
}

/** One semantic finding, at a span of a file, with the other end of the relation. */
export interface Finding {
  file: string;
  span: Span;
  severity: DiagnosticSeverity;
  code: DiagnosticCode;
  message: string;
  related?: Related[];
}

/** Offset -> LSP position, through a file's line starts. */
export function positionAt(
  lineStarts: readonly number[],
  offset: number,
): { line: number; character: number } {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, character: offset - lineStarts[lo]! };
}

export function rangeOf(model: WorkspaceModel, file: string, span: Span): Range {
  const lines = model.get(file)?.lineStarts ?? [0];
  return { start: positionAt(lines, span[0]), end: positionAt(lines, span[1]) };
}

export function fileUri(file: string): string {
  return pathToFileURL(file).toString();
}

/** The LSP diagnostic of a finding (related information capped, so a big cycle stays readable). */
export function toDiagnostic(model: WorkspaceModel, f: Finding, source: string): Diagnostic {
  const d: Diagnostic = {
    range: rangeOf(model, f.file, f.span),
    severity: f.severity,
    code: f.code,
    source,
    message: f.message,
  };
  if (f.related?.length) {
    d.relatedInformation = f.related.slice(0, 50).map(
      (r): DiagnosticRelatedInformation => ({
        location: { uri: fileUri(r.file), range: rangeOf(model, r.file, r.span) },
        message: r.message,
      }),
    );
  }
  return d;
}

export const Severity = DiagnosticSeverity;
