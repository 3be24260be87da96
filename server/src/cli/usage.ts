/** The command line's usage text (shared by the dispatcher and the validate command). */
export const USAGE = `Usage: flux-workbench validate [--no-remote-schemas] <file-or-directory>...
       flux-workbench build <file.yaml> [--name NAME] [--namespace NS] [--root DIR] [--var KEY=VALUE]...
       flux-workbench build <dir>    (see \`flux-workbench build --help\`)
       flux-workbench get [KIND] [--context C] [-n NS | -A] [--status failing] [-o text|json] [--watch]
       flux-workbench reconcile|suspend|resume KIND/NAME [-n NS] [--context C] [--with-source] [--force] [--reset] [--timeout S]
                                     (see \`flux-workbench get --help\`; Node.js >= 22.19)

Validates Flux and kustomize YAML with the same engine as the editor and prints
  <file>:<line>:<col>: <error|warning|info>: <message>
then a summary. Exit status: 1 if any error, 0 otherwise, 2 for a usage error.
Compiled code is kept in ~/.cache/flux-workbench/compile-cache (FLUX_WORKBENCH_COMPILE_CACHE names
another folder; set to nothing, none is kept). validate runs on one thread per core but one
(FLUX_WORKBENCH_VALIDATE_THREADS sets another count).`;
