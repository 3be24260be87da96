/**
 * A CRD of kind Widget (example.com/v1) that only a test's workspace defines, with `spec` given as
 * the lines of its schema (indented as under `spec:`): tests read its schema from the workspace.
 */
export function widgetCrd(specSchema: string[]): string {
  return [
    'apiVersion: apiextensions.k8s.io/v1',
    'kind: CustomResourceDefinition',
    'metadata:',
    '  name: widgets.example.com',
    'spec:',
    '  group: example.com',
    '  names: { kind: Widget, plural: widgets, singular: widget, listKind: WidgetList }',
    '  scope: Namespaced',
    '  versions:',
    '    - name: v1',
    '      served: true',
    '      storage: true',
    '      schema:',
    '        openAPIV3Schema:',
    '          type: object',
    '          properties:',
    '            spec:',
    '              type: object',
    ...specSchema.map((l) => `              ${l}`),
    '',
  ].join('\n');
}
