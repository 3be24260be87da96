import type { Diagnostic } from 'vscode-languageserver-types';
import type { DiagnosticCode } from '../diagnosticCodes';

// yaml-language-server's numeric codes (vscode-json-languageservice's ErrorCode): most schema
// findings carry 0, so the message decides; these two are specific where they occur.
const ENUM_VALUE_MISMATCH = 1;
const PROPERTY_EXPECTED = 513; // "Property x is not allowed."
const SCHEMA_RESOLVE_ERROR = 0x10000; // and above

/**
 * The name of a finding of the embedded yaml-language-server, from its source (`YAML` for the
 * parser, `yaml-schema: ...` for schema validation), numeric code and message (its English text).
 */
export function nameEngineDiagnostic(d: Diagnostic): DiagnosticCode {
  const message = typeof d.message === 'string' ? d.message : d.message.value;
  const code = typeof d.code === 'number' ? d.code : -1;
  if (code >= SCHEMA_RESOLVE_ERROR || /^Unable to load schema/.test(message)) return 'schema-unavailable';
  if (typeof d.source === 'string' && d.source.startsWith('yaml-schema')) {
    if (/^Missing property "|^Object is missing property /.test(message)) return 'missing-required';
    if (code === PROPERTY_EXPECTED || /^Property .* is not allowed/.test(message)) return 'unknown-field';
    if (/^Incorrect type/.test(message)) return 'wrong-type';
    if (code === ENUM_VALUE_MISMATCH || /^Value is not accepted|^Value must be /.test(message))
      return 'value-not-allowed';
    if (/^String does not match the pattern|^String is not an? /.test(message)) return 'pattern-mismatch';
    if (
      /below the|above the|shorter than|longer than|too many items|too few items|properties than|fewer properties|not divisible/.test(
        message,
      )
    )
      return 'out-of-range';
    if (/ is deprecated/.test(message)) return 'deprecated-field';
    return 'schema-violation';
  }
  if (/^Unused anchor/.test(message)) return 'unused-anchor';
  if (/^Map keys must be unique/.test(message)) return 'duplicate-key';
  if (/^Unresolved tag/.test(message)) return 'custom-tag';
  return 'yaml-syntax';
}
