// The substitution cases that substitution.test.ts builds with both tools. Each group gives the
// variables (spec.postBuild.substitute) and the expressions evaluated with them; every expression
// is one case per strictness (and, for groups without variables, per substituteStrategy). The
// inputs of Flux's own tables are here (fluxcd/pkg envsubst: eval_test.go, funcs_test.go,
// parse/parse_test.go; fluxcd/pkg kustomize testdata varsub*), rewritten as cases of this table,
// followed by a matrix of every operator against values with `/`, empty, Unicode and multi-byte
// characters, Go's case mapping, and the parser's edge cases. Expected results are not written
// down: they are whatever `flux build` says.

export interface Group {
  name: string;
  vars: Record<string, string>;
  exprs: string[];
}

/** A group of whole manifests (kustomize testdata), compared object by object. */
export interface FileGroup {
  name: string;
  vars: Record<string, string>;
  files: Record<string, string>;
}

const fluxEvalTests: Group[] = [
  { name: 'eval: text only', vars: {}, exprs: ['abcdEFGH28ij', '${var=xyz}', '${var:=xyz}'] },
  {
    name: 'eval: var01',
    vars: { var01: 'abcdEFGH28ij' },
    exprs: [
      'abcdEFGH28ij',
      '${#var01}',
      '${var01^}',
      '${var01^^}',
      '${var=${var01^^}}',
      '$${var01}',
      'some text ${var01}$${var$${var01}$var01${var01}',
    ],
  },
  { name: 'eval: var01 upper', vars: { var01: 'ABCDEFGH28IJ' }, exprs: ['${var01,}', '${var01,,}'] },
  {
    name: 'eval: path_name',
    vars: { path_name: '/home/bozo/ideas/thoughts.for.today' },
    exprs: ['${path_name:11}', '${path_name:11:5}'],
  },
  { name: 'eval: var set', vars: { var: 'abc' }, exprs: ['${var=xyz}'] },
  {
    name: 'eval: default_var foo',
    vars: { default_var: 'foo' },
    exprs: [
      'something ${var=${default_var}}',
      'something $${var=${default_var}}',
      '\\\\something ${var=${default_var}}',
      '${var:=xyz}',
    ],
  },
  {
    name: 'eval: default_var foo1',
    vars: { default_var: 'foo1' },
    exprs: ['foo: ${var=${default_var}-suffix}', 'foo: ${var=prefix${default_var}-suffix}'],
  },
  {
    name: 'eval: stringZ',
    vars: { stringZ: 'abcABC123ABCabc' },
    exprs: ['${stringZ/%abc/XYZ}', '${stringZ/#abc/XYZ}', '${stringZ//abc/xyz}', '${stringZ/abc/xyz}'],
  },
  {
    name: 'eval: filename with dots',
    vars: { filename: 'bash.string.txt' },
    exprs: ['${filename#*.}', '${filename##*.}', '${filename%.*}', '${filename%%.*}'],
  },
  {
    name: 'eval: relative path',
    vars: { filename: 'path/to/file' },
    exprs: ['${filename#*/}', '${filename##*/}'],
  },
  {
    name: 'eval: absolute path',
    vars: { filename: '/path/to/file' },
    exprs: ['${filename#*/}', '${filename##*/}'],
  },
  { name: 'eval: escaped slash', vars: { stringZ: 'foo/bar' }, exprs: ['${stringZ/\\//-}'] },
  { name: 'eval: escaped slashes', vars: { stringZ: 'foo/bar/baz' }, exprs: ['${stringZ//\\//-}'] },
  { name: 'eval: blank replacement', vars: { stringZ: 'foo.bar' }, exprs: ['${stringZ/./}'] },
];

const fluxStrictTests: Group[] = [
  {
    name: 'strict: existing',
    vars: { foo: 'bar' },
    exprs: ['abcdEFGH28ij', '${foo}', '${missing:=default}'],
  },
  { name: 'strict: existing empty', vars: { foo: '' }, exprs: ['${foo}'] },
  {
    name: 'strict: missing (with and without other variables)',
    vars: { foo: 'bar' },
    exprs: [
      '${missing}',
      '${#missing}',
      '${missing^}',
      '${missing^^}',
      '${missing,}',
      '${missing,,}',
      '${missing:0}',
      '${missing:0:10}',
      '${missing/pattern/replacement}',
      '${missing//pattern/replacement}',
      '${missing/#pattern/replacement}',
      '${missing/%pattern/replacement}',
      '${missing#pattern}',
      '${missing##pattern}',
      '${missing%pattern}',
      '${missing%%pattern}',
      '${missing:-fallback}',
      '${missing:=assigned}',
      '${missing=assigned}',
    ],
  },
  {
    name: 'strict: missing, no variables at all',
    vars: {},
    exprs: ['${missing}', '${missing^^}', '${missing:-fallback}', '${missing=assigned}'],
  },
];

const fluxFuncTests: Group[] = [
  {
    name: 'funcs',
    vars: {
      HW: 'Hello World',
      HWU: 'HELLO WORLD',
      HWL: 'hello world',
      E: '',
      HM: 'Hola Mundo',
      BL: '-Bonjour le monde',
      HH: '-Halló heimur',
      N: '123456789123456789',
      N8: '12345678',
      NEG3: '-3',
      NEG300: '-300',
    },
    exprs: [
      '${#HW}',
      '${HW,,}',
      '${HWU,}',
      '${E,}',
      '${HW^^}',
      '${HWL^}',
      '${E^}',
      '${HW:=Hola Mundo}',
      '${E:=Hola Mundo}',
      '${E:=${HM}${BL}${HH}}',
      '${N:0:8}',
      '${N:1:8}',
      '${N:9}',
      '${N:9:50}',
      '${N:${NEG3}:2}',
      '${N:${NEG300}:3}',
      '${N8:9:1}',
    ],
  },
];

// parse/parse_test.go's texts, evaluated: once with every variable set, once with `string` empty.
const parseTexts = [
  'text',
  '}text',
  'http://github.com',
  '$${string}',
  '$$string',
  '\\\\.\\pipe\\pipename',
  '${string}',
  '${string,}',
  '${string,,}',
  '${string^}',
  '${string^^}',
  '${string:position}',
  '${string:position:length}',
  '${string#substring}',
  '${string##substring}',
  '${string%substring}',
  '${string%%substring}',
  '${string/substring/replacement}',
  '${string//substring/replacement}',
  '${string/#substring/replacement}',
  '${string/%substring/replacement}',
  '${string=default}',
  '${string:=default}',
  '${string:-default}',
  '${string:?default}',
  '${string:+default}',
  '${#string}',
  '${string#$%:*{}',
  'hello ${#string} world',
  '\\\\ hello ${#string} world \\\\',
  '${string/\\/position/length}',
  '${string/\\/position\\\\/length}',
  '${string/position/\\/length}',
  '${string/position/\\/length\\\\}',
  '${string/position/\\/leng\\\\th}',
  '${string:${position}}',
  '${string:${stringy:position:length}:${stringz,,}}',
  '${string#${stringz}}',
  '${string=${stringz}}',
  '${string=prefix-${var}}',
  '${string=${var}-suffix}',
  '${string=prefix-${var}-suffix}',
  '${string=prefix${var} suffix}',
  '${string//${stringy}/${stringz}}',
];
const parseVars = { position: '3', stringy: '0123456789', stringz: 'SUB', var: 'v' };
const fluxParseTests: Group[] = [
  {
    name: 'parse: all set',
    vars: { ...parseVars, string: 'substring/position\\x/substring' },
    exprs: parseTexts,
  },
  { name: 'parse: string empty', vars: { ...parseVars, string: '' }, exprs: parseTexts },
];

/** Every operator, applied to V; run against each value of `values`. */
const operatorTemplates = [
  '${V}',
  '${#V}',
  '${V^}',
  '${V^^}',
  '${V,}',
  '${V,,}',
  '${V,^}',
  '${V:0}',
  '${V:2}',
  '${V:2:3}',
  '${V:0:1}',
  '${V:${NEG}}',
  '${V:${NEG}:2}',
  '${V:100}',
  '${V:x}',
  '${V:-d}',
  '${V:=d}',
  '${V:+d}',
  '${V:?d}',
  '${V=d}',
  '${V#*/}',
  '${V##*/}',
  '${V%/*}',
  '${V%%/*}',
  '${V#?}',
  '${V##?}',
  '${V%?}',
  '${V%%?}',
  '${V#*}',
  '${V##*}',
  '${V%*}',
  '${V%%*}',
  '${V#??}',
  '${V%%??}',
  '${V#[a-zé]*}',
  '${V##*[/.]}',
  '${V%[a-z]}',
  '${V%%[!a]*}',
  '${V#*[^/]/}',
  '${V#\\**}',
  '${V##*\\/}',
  '${V%%[}',
  '${V/\\//_}',
  '${V//\\//_}',
  '${V/#p/P}',
  '${V/%z/Z}',
  '${V//${E}/.}',
  '${V/${E}/.}',
  '${V//*/+}',
  '${V/a}',
  '${V//a/}',
];
const operatorValues: Record<string, string> = {
  ascii: 'Hello/World.tar.gz',
  empty: '',
  path: '/path/to/file',
  twoByte: 'été/ça.z',
  cjk: '日本語/テスト.txt',
  emoji: 'a😀b/😀z',
  mixed: 'Straße/İI/ΣΟΦΟΣ',
  special: 'a*b?c[d]\\e/f',
  dollar: '$x${y}$$/z',
};
const operatorMatrix: Group[] = Object.entries(operatorValues).map(([label, value]) => ({
  name: `operators: ${label}`,
  vars: { V: value, E: '', NEG: '-4' },
  exprs: operatorTemplates,
}));

// Go's unicode.ToUpper/ToLower per rune (Unicode 15.0 in Go 1.26), including mappings that
// JavaScript's full case mapping or a newer Unicode version would give differently.
const caseValues = [
  'straße',
  'ΣΟΦΟΣ σοφός',
  'İıIi',
  'ǅǄǆ',
  'ᾳᾼᾀᾈ',
  'ﬀﬁŉΐǰẖ',
  'აბ Ა',
  'ꭰꭱᏸ',
  'KſΩµẞÿŸ',
  'ⱥȺɐⱯ',
  'ɤꟋ',
  'ǈǉ',
  'éÉ日本',
];
const caseMapping: Group[] = [
  {
    name: 'case mapping',
    vars: Object.fromEntries(caseValues.map((v, i) => [`C${i}`, v])),
    exprs: caseValues.flatMap((_, i) => [`\${C${i}^}`, `\${C${i}^^}`, `\${C${i},}`, `\${C${i},,}`]),
  },
];

const parser: Group[] = [
  {
    name: 'parser edge cases',
    vars: {
      A: 'abc',
      B: 'xyz',
      NUM: '5',
      PLUS: '+1',
      BIG: '99999999999999999999',
      MAXI: '9223372036854775807',
    },
    exprs: [
      '${A:é}',
      '${A:日本}',
      '${A:😀}',
      '${A:e}',
      '${A-x}',
      '${A+x}',
      '${A?x}',
      '${A',
      '${',
      '${}',
      '${A:=x',
      '${#}',
      '${##A}',
      '${#A}',
      '${A###x}',
      '${A^^^}',
      '${A^,}',
      '${A:1::2}',
      '${A:1:2:3}',
      '${A/a//b}',
      '${A//}',
      '${A///x}',
      '${A/}',
      '${A#}',
      '${A%}',
      '${A:}',
      '${A::}',
      '${A:=}',
      '${A:-}',
      '${A=}',
      '$',
      'a$',
      '$$',
      '$$$',
      '$$$$',
      '$${',
      '${A}$',
      '\\$',
      '${A$B}',
      '${ A}',
      '${A }',
      '${日本}',
      '${_x}',
      '${9x}',
      '${A:0:0}',
      '${A:1:0}',
      '${A:+1}',
      '${A:${PLUS}}',
      '${A:${BIG}}',
      '${A:${MAXI}}',
      '${A:1:${MAXI}}',
      '${A:2:-1}',
      '${A:0:-1}',
      '${A/\\\\/x}',
      '${A/a/\\/}',
      '${A/\\x/y}',
      '${A:-a${B}c${NUM}}',
      '${Z:-${Y:-${X:-deep}}}',
      '${A}${B}$${A}$$${B}',
      '${A:-${B:1}}',
      '${A#${B:1}}',
    ],
  },
  {
    name: 'unicode variable values',
    vars: { NL: 'line1\nline2', U: '名前', Q: 'it\'s "q"', S: 'a b  c', H: '#x' },
    exprs: ['${NL}', '${U}${U:3}', '${#U}', '${Q}', '${S}', '${H}', '${U/前/}', '${U%前}'],
  },
  {
    name: 'deep nesting and long values',
    vars: { A: 'a'.repeat(3000) + 'b', C: 'ab'.repeat(1500) },
    exprs: [
      '${A##*a*a*a*b}',
      '${A%%a*a*a*b}',
      '${#C}${C#*b*b*b*}',
      (() => {
        let t = 'deep';
        for (let i = 0; i < 500; i++) t = `\${U${i % 5}:-${t}}`;
        return t;
      })(),
    ],
  },
];

export const GROUPS: Group[] = [
  ...fluxEvalTests,
  ...fluxStrictTests,
  ...fluxFuncTests,
  ...fluxParseTests,
  ...operatorMatrix,
  ...caseMapping,
  ...parser,
];

// fluxcd/pkg kustomize testdata (varsub, varsubstrict, varsubstrictempty, varsubalways), with the
// substituteFrom values given inline (`flux build --dry-run` does not read the cluster).
const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: apps
  labels:
    environment: \${cluster_env:=dev}
    region: \${cluster_region}
spec:
  selector:
    matchLabels:
      app: app
  template:
    metadata:
      annotations:
        prometheus.io/scrape: \${prometheus_scrape:=false}
        prometheus.io/port: \${prometheus_port}
      labels:
        app: app
    spec:
      containers:
      - name: nginx
        image: \${image}
        imagePullPolicy: IfNotPresent
`;
const varsConfigMap = `apiVersion: v1
kind: ConfigMap
metadata:
  name: app-vars
  namespace: apps
  labels:
    environment: \${cluster_env:=dev}
    region: \${cluster_region}
    kustomize.toolkit.fluxcd.io/substitute: disabled
data:
  image: \${image}
  prometheus_port: \${prometheus_port}
  prometheus_scrape: \${prometheus_scrape:=false}
`;
export const FILE_GROUPS: FileGroup[] = [
  {
    name: 'kustomize testdata: varsub',
    vars: {
      cluster_env: 'prod',
      cluster_region: 'eu-central-1',
      prometheus_scrape: '"true"',
      prometheus_port: '"9797"',
      image: 'nginx:1.21.4',
    },
    files: { 'deployment.yaml': deployment, 'config.yaml': varsConfigMap },
  },
  {
    name: 'kustomize testdata: varsubstrict',
    vars: { cluster_region: 'eu-central-1' },
    files: {
      'config.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  labels:
    environment: \${cluster_env:=dev}
    region: \${cluster_region}
  name: app-vars-strict
  namespace: apps
data:
  missing: \${missing}
`,
    },
  },
  {
    name: 'kustomize testdata: varsubstrictempty',
    vars: { empty_inline: '', empty_cm: '', empty_secret: '' },
    files: {
      'config.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  labels:
    from-inline: "\${empty_inline}"
    from-configmap: "\${empty_cm}"
    from-secret: "\${empty_secret}"
  name: app-vars-strict-empty
  namespace: apps
`,
    },
  },
  {
    // The same manifest with the variables omitted and an unrelated one set, so substitution runs.
    name: 'kustomize testdata: varsubstrictempty, variables omitted',
    vars: { dummy: 'unused' },
    files: {
      'config.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  labels:
    from-inline: "\${empty_inline}"
    from-configmap: "\${empty_cm}"
    from-secret: "\${empty_secret}"
  name: app-vars-strict-empty
  namespace: apps
`,
    },
  },
  {
    name: 'kustomize testdata: varsubalways',
    vars: {},
    files: {
      'config.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  labels:
    environment: \${cluster_env:=dev}
  name: app-vars-always
  namespace: apps
data:
  region: \${cluster_region:=eu-central-1}
`,
    },
  },
];
