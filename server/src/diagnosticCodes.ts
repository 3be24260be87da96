/** The `source` of every diagnostic Flux Workbench reports. */
export const DIAGNOSTIC_SOURCE = 'flux-workbench';

/**
 * Every diagnostic Flux Workbench reports carries one of these codes (the LSP `code`, and the
 * `[name]` that `flux-workbench validate` prints). Each code has a row in the README's
 * "Diagnostic codes" section, found by the anchor `id="<code>"`; `codeDescription.href` links there.
 *
 * To add a code: add an entry here (name: one line saying what it means), set `code: '<name>'` on
 * the diagnostic you create, and add its row to the README section (a unit test checks both ways).
 * This module is the bottom layer: it imports nothing.
 */
export const DIAGNOSTIC_CODES = {
  // The document against its kind's schema (yaml-language-server's findings, named here).
  'unknown-field': 'A field the schema of this kind does not declare.',
  'missing-required': 'A required field is absent, or present with no value.',
  'wrong-type': 'A value of the wrong type (a string where a boolean belongs, ...).',
  'value-not-allowed': 'A value outside the allowed set (an enum or a constant).',
  'pattern-mismatch': 'A string that does not match the pattern or format the schema requires.',
  'out-of-range': 'A number, string length or item count outside the limits of the schema.',
  'schema-violation': 'Another rule of the schema (oneOf, not, dependencies, unique items, ...).',
  'deprecated-field':
    'A field kustomize or Flux deprecates (kustomization.yaml, Flux CRDs); the message names the replacement.',
  'schema-unavailable': 'A schema named by `$schema` could not be loaded.',
  // YAML itself.
  'yaml-syntax': 'The text is not valid YAML.',
  'duplicate-key': 'The same key twice in one mapping.',
  'custom-tag': 'A YAML tag (`!tag`) in a Kubernetes object; the API server does not understand tags.',
  'unused-anchor': 'A YAML anchor (`&name`) no alias uses.',
  // Flux knowledge no schema holds.
  'removed-api-version': 'An API version a Flux release removed; the message names the one to use.',
  'api-version-removed-later':
    'An API version the targeted Flux release still serves and a later release removed: migrate before upgrading.',
  'unserved-api-version': 'An API version the schemas in use do not serve (never served, or a typo).',
  'missing-api-version': 'A document with `kind` but no `apiVersion`: it is not validated.',
  'unserved-kubernetes-api':
    'A built-in kind at an apiVersion the Kubernetes version of the built-in schemas does not serve.',
  'crd-schema-unusable':
    "A CustomResourceDefinition whose schema could not be converted: its kind's objects are not validated.",
  // Flux semantics: what objects of the workspace say about each other (server/src/semantics/).
  'reference-not-found':
    'A sourceRef, chartRef, providerRef, imageRepositoryRef, eventSource, resource, source or substituteFrom names no object of the workspace.',
  'depends-on-not-found': 'A dependsOn entry names no object of the workspace: Flux waits for it forever.',
  'depends-on-wrong-kind':
    'A dependsOn entry names an object of another kind (a HelmRelease waiting for a Kustomization).',
  'depends-on-cycle': 'dependsOn entries that form a cycle: none of its members ever becomes ready.',
  'path-not-found': "A Flux Kustomization's spec.path that does not exist in this repository.",
  'kustomize-path-not-found':
    'A kustomization.yaml resources, components, patches or generator path that does not exist.',
  'kustomize-path-ignored':
    'A kustomization.yaml path to a file Flux never sees (.gitignore, .sourceignore).',
  'kustomize-not-a-kustomization':
    'A folder used as a resource or component without a kustomization file, or of the wrong kind.',
  'kustomize-remote-reference':
    'A remote base or component: kustomize fetches it, so it is not checked here.',
  'variable-undefined':
    'A `${VAR}` that the Kustomization rendering the file does not define, and that has no default.',
  'variable-invalid-name': 'A variable name Flux refuses (names must match `^[_a-zA-Z][_a-zA-Z0-9]*$`).',
  'variable-bad-expression': 'A `${...}` expression Flux cannot parse: the substitution fails.',
  'invalid-duration':
    'A value that is not a Go duration where Flux wants one (`10minutes` instead of `10m`).',
  'invalid-chart-version': 'A chart version that is not a semver version or constraint.',
  'duplicate-object': 'The same kind, namespace and name rendered twice into one Kustomization.',
  'merge-conflict-marker': 'A git merge conflict marker left in the file.',
  'image-policy-not-found': 'An image automation setter marker naming no ImagePolicy of the workspace.',
  'removed-template-field':
    'An ImageUpdateAutomation commit message template using `.Updated` or `.Changed.ImageResult`, which Flux 2.7 removed.',
  'generated-kustomization-refuses-file':
    'A YAML file Flux lists in the kustomization it generates that is not a Kubernetes object: the build fails.',
  // Files that are deliberately not validated, with the reason.
  'file-too-large': 'A file over the size limit (setting `fluxWorkbench.validation.maxFileSize`).',
  'binary-file': 'A file with NUL bytes: not YAML.',
  'nesting-too-deep': 'Nesting deeper than the parser can take safely.',
  'document-not-checked':
    'A document over a size or complexity limit: only the Flux checks apply, not its schema.',
  'validation-stopped':
    'Validation of a very large file stopped at its time budget; the rest is checked later.',
  'schema-not-followed':
    'A `$schema` naming a local path that is not followed (outside the workspace, not a file).',
  'helm-template': 'Go template syntax (`{{ }}`) that is not YAML until Helm renders it.',
  'validation-failed': 'The YAML engine failed on this file; the message carries its error.',
  'file-unreadable': 'The command line could not read the file (permissions, a broken link).',
} as const satisfies Record<string, string>;

/** The name of a diagnostic code, e.g. `'unknown-field'`. */
export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

export function isDiagnosticCode(value: unknown): value is DiagnosticCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(DIAGNOSTIC_CODES, value);
}

/** The README anchor of a code (`README.md#<anchor>`): the code itself. */
export function readmeAnchor(code: DiagnosticCode): string {
  return code;
}

/**
 * Links for `codeDescription.href`: the line of `readmeText` that holds each code's anchor, as
 * `<readmeUri>#L<line>` (editors open a file URI at the line its fragment names; a heading anchor
 * means nothing to them). A code whose anchor is not in the text gets no link.
 */
export function readmeLinks(
  readmeText: string,
  readmeUri: string,
): (code: DiagnosticCode) => string | undefined {
  const lines = new Map<string, number>();
  readmeText.split('\n').forEach((line, i) => {
    for (const m of line.matchAll(/id="([a-z0-9-]+)"/g)) if (!lines.has(m[1]!)) lines.set(m[1]!, i + 1);
  });
  return (code) => {
    const line = lines.get(readmeAnchor(code));
    return line === undefined ? undefined : `${readmeUri}#L${line}`;
  };
}
