import {
  CompletionItemKind,
  InsertTextFormat,
  type CompletionItem,
  type Position,
} from 'vscode-languageserver-types';

/** A snippet that writes a whole YAML document; offered only where a new document can start. */
export interface DocumentSnippet {
  /** What the user types; one per snippet. */
  prefix: string;
  description: string;
  /** LSP snippet syntax (`${1:name}`, `$0`), one string per line. */
  body: string[];
  /** kustomize's kustomization.yaml: offered in that file only (and Flux kinds everywhere else). */
  kustomizationFile?: boolean;
}

export const DOCUMENT_SNIPPETS: readonly DocumentSnippet[] = [
  {
    prefix: 'flux-gitrepository',
    description: 'A Flux GitRepository source (source.toolkit.fluxcd.io/v1).',
    body: [
      'apiVersion: source.toolkit.fluxcd.io/v1',
      'kind: GitRepository',
      'metadata:',
      '  name: ${1:name}',
      '  namespace: ${2:flux-system}',
      'spec:',
      '  interval: ${3:5m}',
      '  url: ${4:https://github.com/org/repo}',
      '  ref:',
      '    branch: ${5:main}',
      '$0',
    ],
  },
  {
    prefix: 'flux-ocirepository',
    description: 'A Flux OCIRepository source (source.toolkit.fluxcd.io/v1).',
    body: [
      'apiVersion: source.toolkit.fluxcd.io/v1',
      'kind: OCIRepository',
      'metadata:',
      '  name: ${1:name}',
      '  namespace: ${2:flux-system}',
      'spec:',
      '  interval: ${3:5m}',
      '  url: ${4:oci://ghcr.io/org/manifests}',
      '  ref:',
      '    tag: ${5:latest}',
      '$0',
    ],
  },
  {
    prefix: 'flux-helmrepository',
    description: 'A Flux HelmRepository source (source.toolkit.fluxcd.io/v1).',
    body: [
      'apiVersion: source.toolkit.fluxcd.io/v1',
      'kind: HelmRepository',
      'metadata:',
      '  name: ${1:name}',
      '  namespace: ${2:flux-system}',
      'spec:',
      '  interval: ${3:1h}',
      '  url: ${4:https://charts.example.com}',
      '$0',
    ],
  },
  {
    prefix: 'flux-helmchart',
    description: 'A Flux HelmChart source (source.toolkit.fluxcd.io/v1).',
    body: [
      'apiVersion: source.toolkit.fluxcd.io/v1',
      'kind: HelmChart',
      'metadata:',
      '  name: ${1:name}',
      '  namespace: ${2:flux-system}',
      'spec:',
      '  interval: ${3:10m}',
      '  chart: ${4:chart-name}',
      "  version: '${5:*}'",
      '  sourceRef:',
      '    kind: HelmRepository',
      '    name: ${6:repository}',
      '$0',
    ],
  },
  {
    prefix: 'flux-bucket',
    description: 'A Flux Bucket source (source.toolkit.fluxcd.io/v1).',
    body: [
      'apiVersion: source.toolkit.fluxcd.io/v1',
      'kind: Bucket',
      'metadata:',
      '  name: ${1:name}',
      '  namespace: ${2:flux-system}',
      'spec:',
      '  interval: ${3:5m}',
      '  provider: ${4|generic,aws,gcp,azure|}',
      '  bucketName: ${5:bucket}',
      '  endpoint: ${6:s3.amazonaws.com}',
      '$0',
    ],
  },
  {
    prefix: 'flux-kustomization',
    description: 'A Flux Kustomization (kustomize.toolkit.fluxcd.io/v1).',
    body: [
      'apiVersion: kustomize.toolkit.fluxcd.io/v1',
      'kind: Kustomization',
      'metadata:',
      '  name: ${1:name}',
      '  namespace: ${2:flux-system}',
      'spec:',
      '  interval: ${3:10m}',
      '  path: ${4:./apps}',
      '  prune: ${5:true}',
      '  sourceRef:',
      '    kind: ${6|GitRepository,OCIRepository,Bucket,ExternalArtifact|}',
      '    name: ${7:flux-system}',
      '$0',
    ],
  },
  {
    prefix: 'flux-helmrelease',
    description: 'A Flux HelmRelease (helm.toolkit.fluxcd.io/v2).',
    body: [
      'apiVersion: helm.toolkit.fluxcd.io/v2',
      'kind: HelmRelease',
      'metadata:',
      '  name: ${1:name}',
      '  namespace: ${2:default}',
      'spec:',
      '  interval: ${3:30m}',
      '  chart:',
      '    spec:',
      '      chart: ${4:chart-name}',
      "      version: '${5:*}'",
      '      sourceRef:',
      '        kind: HelmRepository',
      '        name: ${6:repository}',
      '        namespace: ${7:flux-system}',
      '  values: {}',
      '$0',
    ],
  },
  {
    prefix: 'flux-helmrelease-chartref',
    description: 'A Flux HelmRelease from an OCIRepository chart (helm.toolkit.fluxcd.io/v2).',
    body: [
      'apiVersion: helm.toolkit.fluxcd.io/v2',
      'kind: HelmRelease',
      'metadata:',
      '  name: ${1:name}',
      '  namespace: ${2:default}',
      'spec:',
      '  interval: ${3:30m}',
      '  chartRef:',
      '    kind: OCIRepository',
      '    name: ${4:chart}',
      '  values: {}',
      '$0',
    ],
  },
  {
    prefix: 'flux-provider',
    description: 'A Flux notification Provider (notification.toolkit.fluxcd.io/v1beta3).',
    body: [
      'apiVersion: notification.toolkit.fluxcd.io/v1beta3',
      'kind: Provider',
      'metadata:',
      '  name: ${1:name}',
      '  namespace: ${2:flux-system}',
      'spec:',
      '  type: ${3|slack,msteams,discord,github,gitlab,generic,generic-hmac|}',
      '  channel: ${4:general}',
      '  secretRef:',
      '    name: ${5:webhook-url}',
      '$0',
    ],
  },
  {
    prefix: 'flux-alert',
    description: 'A Flux notification Alert (notification.toolkit.fluxcd.io/v1beta3).',
    body: [
      'apiVersion: notification.toolkit.fluxcd.io/v1beta3',
      'kind: Alert',
      'metadata:',
      '  name: ${1:name}',
      '  namespace: ${2:flux-system}',
      'spec:',
      '  providerRef:',
      '    name: ${3:provider}',
      '  eventSeverity: ${4|info,error|}',
      '  eventSources:',
      '    - kind: ${5|Kustomization,HelmRelease,GitRepository,OCIRepository|}',
      "      name: '${6:*}'",
      '$0',
    ],
  },
  {
    prefix: 'flux-receiver',
    description: 'A Flux notification Receiver (notification.toolkit.fluxcd.io/v1).',
    body: [
      'apiVersion: notification.toolkit.fluxcd.io/v1',
      'kind: Receiver',
      'metadata:',
      '  name: ${1:name}',
      '  namespace: ${2:flux-system}',
      'spec:',
      '  type: ${3|github,gitlab,bitbucket,harbor,generic|}',
      '  events:',
      '    - ${4:ping}',
      '    - ${5:push}',
      '  secretRef:',
      '    name: ${6:webhook-token}',
      '  resources:',
      '    - kind: GitRepository',
      '      name: ${7:flux-system}',
      '$0',
    ],
  },
  {
    prefix: 'flux-imagerepository',
    description: 'A Flux ImageRepository (image.toolkit.fluxcd.io/v1).',
    body: [
      'apiVersion: image.toolkit.fluxcd.io/v1',
      'kind: ImageRepository',
      'metadata:',
      '  name: ${1:name}',
      '  namespace: ${2:flux-system}',
      'spec:',
      '  image: ${3:ghcr.io/org/app}',
      '  interval: ${4:5m}',
      '$0',
    ],
  },
  {
    prefix: 'flux-imagepolicy',
    description: 'A Flux ImagePolicy (image.toolkit.fluxcd.io/v1).',
    body: [
      'apiVersion: image.toolkit.fluxcd.io/v1',
      'kind: ImagePolicy',
      'metadata:',
      '  name: ${1:name}',
      '  namespace: ${2:flux-system}',
      'spec:',
      '  imageRepositoryRef:',
      '    name: ${3:image-repository}',
      '  policy:',
      '    semver:',
      "      range: '${4:>=1.0.0}'",
      '$0',
    ],
  },
  {
    prefix: 'flux-imageupdateautomation',
    description: 'A Flux ImageUpdateAutomation (image.toolkit.fluxcd.io/v1).',
    body: [
      'apiVersion: image.toolkit.fluxcd.io/v1',
      'kind: ImageUpdateAutomation',
      'metadata:',
      '  name: ${1:name}',
      '  namespace: ${2:flux-system}',
      'spec:',
      '  interval: ${3:30m}',
      '  sourceRef:',
      '    kind: GitRepository',
      '    name: ${4:flux-system}',
      '  git:',
      '    checkout:',
      '      ref:',
      '        branch: ${5:main}',
      '    commit:',
      '      author:',
      '        email: ${6:fluxcdbot@users.noreply.github.com}',
      '        name: ${7:fluxcdbot}',
      "      messageTemplate: '${8:Update images}'",
      '    push:',
      '      branch: ${5:main}',
      '  update:',
      '    path: ${9:./clusters}',
      '    strategy: Setters',
      '$0',
    ],
  },
  {
    prefix: 'flux-artifactgenerator',
    description: 'A Flux ArtifactGenerator (source.extensions.fluxcd.io/v1beta1).',
    body: [
      'apiVersion: source.extensions.fluxcd.io/v1beta1',
      'kind: ArtifactGenerator',
      'metadata:',
      '  name: ${1:name}',
      '  namespace: ${2:flux-system}',
      'spec:',
      '  sources:',
      '    - alias: ${3:repo}',
      '      kind: GitRepository',
      '      name: ${4:flux-system}',
      '  artifacts:',
      '    - name: ${5:artifact}',
      '      copy:',
      "        - from: '@${3:repo}/${6:path}/**'",
      "          to: '@artifact/'",
      '$0',
    ],
  },
  {
    prefix: 'flux-externalartifact',
    description: 'A Flux ExternalArtifact (source.toolkit.fluxcd.io/v1).',
    body: [
      'apiVersion: source.toolkit.fluxcd.io/v1',
      'kind: ExternalArtifact',
      'metadata:',
      '  name: ${1:name}',
      '  namespace: ${2:flux-system}',
      'spec:',
      '  sourceRef:',
      '    apiVersion: ${3:source.extensions.fluxcd.io/v1beta1}',
      '    kind: ${4:ArtifactGenerator}',
      '    name: ${5:generator}',
      '$0',
    ],
  },
  {
    prefix: 'kustomization',
    description: 'A kustomize kustomization.yaml.',
    body: [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'resources:',
      '  - ${1:deployment.yaml}',
      '$0',
    ],
    kustomizationFile: true,
  },
];

const MARKER = /^(---|\.\.\.)(\s|$)/;

/**
 * Snippet completions at `position`: only where a new YAML document can start, that is at the start
 * of a line (only the word being typed before the cursor) in a document that is otherwise empty
 * (blank lines, comments). Never in a value, never inside `spec:` or any other key.
 */
export function documentSnippetCompletions(
  text: string,
  position: Position,
  fileName: string,
): CompletionItem[] {
  const lines = text.split('\n');
  const line = lines[position.line];
  if (line === undefined) return [];
  const typed = line.slice(0, position.character);
  if (!/^[\w.-]*$/.test(typed) || line.slice(position.character).trim() !== '' || MARKER.test(line))
    return [];
  const blank = (l: string): boolean => l.trim() === '' || l.trimStart().startsWith('#');
  for (let i = position.line - 1; i >= 0 && !MARKER.test(lines[i]!); i--) if (!blank(lines[i]!)) return [];
  for (let i = position.line + 1; i < lines.length && !MARKER.test(lines[i]!); i++)
    if (!blank(lines[i]!)) return [];
  const inKustomizationFile = /^kustomization\.ya?ml$/.test(fileName);
  const range = { start: { line: position.line, character: 0 }, end: position };
  return DOCUMENT_SNIPPETS.filter((s) => !!s.kustomizationFile === inKustomizationFile).map((s) => ({
    label: s.prefix,
    kind: CompletionItemKind.Snippet,
    detail: s.description,
    filterText: s.prefix,
    insertTextFormat: InsertTextFormat.Snippet,
    textEdit: { range, newText: s.body.join('\n') },
  }));
}
