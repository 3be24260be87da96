import type { JsonSchema } from '../flux/jsonSchema';

/**
 * JSON Schema of kustomize's kustomization.yaml (kustomize.config.k8s.io Kustomization and Component),
 * written from kustomize v5's `types.Kustomization`. Deprecated fields carry a `deprecationMessage`
 * naming the replacement, as `kustomize edit fix` would apply it.
 */
const str = (description: string): JsonSchema => ({ type: 'string', description });
const strList = (description: string): JsonSchema => ({
  type: ['array', 'null'],
  items: { type: 'string' },
  description,
});
const strMap = (description: string): JsonSchema => ({
  type: ['object', 'null'],
  additionalProperties: { type: ['string', 'null'] },
  description,
});
const closed = (
  description: string,
  properties: Record<string, JsonSchema>,
  required?: string[],
): JsonSchema => ({
  type: 'object',
  description,
  properties,
  additionalProperties: false,
  ...(required ? { required } : {}),
});

const selector = closed('Selects the resources a patch, replacement or transformer applies to.', {
  group: str('API group of the target, e.g. apps.'),
  version: str('API version of the target, e.g. v1.'),
  kind: str('Kind of the target, e.g. Deployment.'),
  name: str('Name of the target (a regular expression).'),
  namespace: str('Namespace of the target (a regular expression).'),
  labelSelector: str('Label selector, e.g. app=web,tier!=db.'),
  annotationSelector: str('Annotation selector, e.g. team=payments.'),
});

const generatorOptions = closed('Options for generated ConfigMaps and Secrets.', {
  labels: strMap('Labels added to the generated objects.'),
  annotations: strMap('Annotations added to the generated objects.'),
  disableNameSuffixHash: {
    type: 'boolean',
    description: 'Do not append a content hash to the generated name.',
  },
  immutable: { type: 'boolean', description: 'Mark the generated objects immutable.' },
});

const generatorArgs = (what: 'ConfigMap' | 'Secret'): JsonSchema => ({
  type: 'object',
  description: `Generates a ${what} from files, literals or env files.`,
  additionalProperties: false,
  properties: {
    name: str(`Name of the generated ${what} (a content hash is appended unless disabled).`),
    namespace: str(`Namespace of the generated ${what}.`),
    behavior: {
      type: 'string',
      enum: ['create', 'replace', 'merge'],
      default: 'create',
      description: 'How to combine with a ' + what + ' of the same name from a base.',
    },
    files: strList('Files to include; `key=path` sets the key.'),
    literals: strList('Literal `KEY=value` pairs.'),
    envs: strList('Env files with `KEY=value` lines.'),
    env: {
      type: 'string',
      description: 'A single env file.',
      deprecationMessage: '`env` is deprecated: use `envs`.',
    },
    options: generatorOptions,
    ...(what === 'Secret' ? { type: str('Secret type, e.g. Opaque or kubernetes.io/tls.') } : {}),
  },
});

const patch = closed(
  'A strategic merge or JSON 6902 patch, from a file (path) or inline (patch), optionally limited by target.',
  {
    path: str('File holding the patch, relative to this kustomization.'),
    patch: str('The patch itself, inline.'),
    target: selector,
    options: closed('Patch options.', {
      allowNameChange: { type: 'boolean', description: 'Allow the patch to change the name.' },
      allowKindChange: { type: 'boolean', description: 'Allow the patch to change the kind.' },
    }),
  },
);

const replacementTarget = closed('Where a replacement writes.', {
  select: selector,
  reject: { type: 'array', items: selector },
  fieldPaths: strList('Field paths to write, e.g. spec.template.spec.containers.[name=app].image.'),
  options: closed('Replacement options.', {
    delimiter: str('Delimiter to split the target value on.'),
    index: { type: 'integer', description: 'Which part to replace after splitting.' },
    create: { type: 'boolean', description: 'Create the field if missing.' },
  }),
});

const replacement: JsonSchema = {
  type: 'object',
  description: 'Copies a field from one resource into fields of others.',
  additionalProperties: false,
  properties: {
    path: str('File holding replacements.'),
    source: closed('Where the value comes from.', {
      group: str('API group.'),
      version: str('API version.'),
      kind: str('Kind.'),
      name: str('Name.'),
      namespace: str('Namespace.'),
      fieldPath: str('Field to read, default metadata.name.'),
      options: closed('Source options.', {
        delimiter: str('Delimiter.'),
        index: { type: 'integer', description: 'Index after splitting.' },
      }),
    }),
    targets: { type: 'array', items: replacementTarget },
  },
};

const helmChart = closed(
  'Inflates a Helm chart (needs `kustomize build --enable-helm`; Flux does not run it).',
  {
    name: str('Chart name.'),
    version: str('Chart version.'),
    repo: str('Chart repository URL.'),
    releaseName: str('Release name.'),
    namespace: str('Release namespace.'),
    valuesFile: str('Values file.'),
    valuesInline: { type: ['object', 'null'], additionalProperties: true, description: 'Inline values.' },
    valuesMerge: {
      type: 'string',
      enum: ['merge', 'override', 'replace'],
      description: 'How inline values combine with the file.',
    },
    additionalValuesFiles: strList('More values files.'),
    includeCRDs: { type: 'boolean', description: 'Include the chart CRDs.' },
    skipHooks: { type: 'boolean', description: 'Skip hook resources.' },
    apiVersions: strList('Kubernetes API versions for Capabilities.APIVersions.'),
    kubeVersion: str('Kubernetes version for Capabilities.KubeVersion.'),
    nameTemplate: str('Name template.'),
    skipTests: { type: 'boolean', description: 'Skip test resources.' },
    devel: { type: 'boolean', description: 'Use development versions too.' },
  },
);

export function kustomizationSchema(kind: 'Kustomization' | 'Component'): JsonSchema {
  const apiVersions =
    kind === 'Component'
      ? ['kustomize.config.k8s.io/v1alpha1']
      : ['kustomize.config.k8s.io/v1beta1', 'kustomize.config.k8s.io/v1'];
  return {
    title: `kustomize ${kind} (kustomization.yaml)`,
    description: `A kustomize ${kind}: the resources to build and the transformations applied to them.`,
    type: 'object',
    additionalProperties: false,
    properties: {
      apiVersion: {
        type: 'string',
        enum: apiVersions,
        description: 'API version of the kustomization file.',
      },
      kind: { type: 'string', enum: [kind], description: 'Kustomization, or Component for reusable pieces.' },
      metadata: closed('Metadata of the kustomization itself (not applied to resources).', {
        name: str('Name.'),
        namespace: str('Namespace.'),
        labels: strMap('Labels.'),
        annotations: strMap('Annotations.'),
      }),
      resources: strList('Files, directories or URLs of resources to include.'),
      components: strList('Components (kind: Component) to apply.'),
      crds: strList('CRD files whose OpenAPI schemas inform strategic merge patches.'),
      namespace: str('Namespace set on every namespaced resource.'),
      namePrefix: str('Prefix added to every resource name.'),
      nameSuffix: str('Suffix added to every resource name.'),
      labels: {
        type: ['array', 'null'],
        description: 'Labels to add to resources, and optionally to selectors and templates.',
        items: closed('A set of labels.', {
          pairs: strMap('The labels.'),
          includeSelectors: {
            type: 'boolean',
            default: false,
            description: 'Also add to selectors (immutable on Deployments).',
          },
          includeTemplates: { type: 'boolean', default: false, description: 'Also add to pod templates.' },
          fields: { type: 'array', items: { type: 'object' }, description: 'Extra field specs to label.' },
        }),
      },
      commonLabels: {
        ...strMap('Labels added to resources and selectors.'),
        deprecationMessage: '`commonLabels` is deprecated: use `labels` with `includeSelectors: true`.',
      },
      commonAnnotations: strMap('Annotations added to every resource.'),
      images: {
        type: ['array', 'null'],
        description: 'Image name, tag and digest overrides.',
        items: closed('An image override.', {
          name: str('Image name to match.'),
          newName: str('Replacement image name.'),
          newTag: { anyOf: [{ type: 'string' }, { type: 'number' }], description: 'Replacement tag.' },
          digest: str('Replacement digest.'),
          tagSuffix: str('Suffix appended to the tag.'),
        }),
      },
      replicas: {
        type: ['array', 'null'],
        description: 'Replica count overrides.',
        items: closed('A replica override.', {
          name: str('Workload name.'),
          count: { type: 'integer', description: 'Replicas.' },
        }),
      },
      patches: {
        type: ['array', 'null'],
        items: patch,
        description: 'Patches (strategic merge or JSON 6902), from files or inline.',
      },
      patchesStrategicMerge: {
        type: ['array', 'null'],
        items: { type: 'string' },
        description: 'Strategic merge patches.',
        deprecationMessage: '`patchesStrategicMerge` is deprecated: use `patches`.',
      },
      patchesJson6902: {
        type: ['array', 'null'],
        items: { type: 'object' },
        description: 'JSON 6902 patches.',
        deprecationMessage: '`patchesJson6902` is deprecated: use `patches` with a target.',
      },
      replacements: {
        type: ['array', 'null'],
        items: replacement,
        description: 'Field replacements between resources.',
      },
      vars: {
        type: ['array', 'null'],
        items: { type: 'object' },
        description: 'Variables substituted into resources.',
        deprecationMessage: '`vars` is deprecated: use `replacements`.',
      },
      bases: {
        ...strList('Bases to include.'),
        deprecationMessage: '`bases` is deprecated: list them under `resources`.',
      },
      configMapGenerator: {
        type: ['array', 'null'],
        items: generatorArgs('ConfigMap'),
        description: 'ConfigMaps to generate.',
      },
      secretGenerator: {
        type: ['array', 'null'],
        items: generatorArgs('Secret'),
        description: 'Secrets to generate.',
      },
      generatorOptions,
      helmCharts: { type: ['array', 'null'], items: helmChart, description: 'Helm charts to inflate.' },
      helmGlobals: closed('Settings shared by helmCharts.', {
        chartHome: str('Chart folder.'),
        configHome: str('Helm config folder.'),
      }),
      helmChartInflationGenerator: {
        type: ['array', 'null'],
        items: { type: 'object' },
        description: 'Old form of helmCharts.',
        deprecationMessage: '`helmChartInflationGenerator` is deprecated: use `helmCharts`.',
      },
      generators: strList('Generator plugin configurations.'),
      transformers: strList('Transformer plugin configurations.'),
      validators: strList('Validator plugin configurations.'),
      openapi: { type: 'object', additionalProperties: true, description: 'OpenAPI schema used for merges.' },
      configurations: strList('Transformer configuration files.'),
      buildMetadata: {
        type: ['array', 'null'],
        items: { type: 'string', enum: ['managedByLabel', 'originAnnotations', 'transformerAnnotations'] },
        description: 'Build metadata to add to resources.',
      },
      sortOptions: closed('Output order.', {
        order: {
          type: 'string',
          enum: ['legacy', 'fifo'],
          description: 'legacy sorts by kind; fifo keeps input order.',
        },
        legacySortOptions: closed('Kind order for legacy sorting.', {
          orderFirst: strList('Kinds first.'),
          orderLast: strList('Kinds last.'),
        }),
      }),
    },
  };
}
