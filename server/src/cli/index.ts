// The command line (`flux-workbench <command>`, server/out/cli.js): this entry parses only the
// command name and loads that command's own bundle (build.ts -> cli-build.js, validate.ts ->
// cli-validate.js), so a build does not pay for loading the language service. The top layer: it
// may import every other folder.

import * as path from 'node:path';
import { runWithCodeCache } from '../io/codeCache';
import type { runBuildCommand } from './build';
import type { runClusterCommand } from './cluster';
import { codeCacheFolder } from './codeCacheFolder';
import { USAGE } from './usage';
import type { runValidateCommand } from './validate';

/**
 * `flux-workbench <command>`: a small dispatcher. Each command is its own bundle next to this one
 * (server/out/cli-build.js, server/out/cli-validate.js), loaded only when asked for, so that
 * `build` does not pay for loading the language service (about 0.08 s of each run), and with the
 * V8 code cache of {@link codeCacheFolder}, so that a run after the first compiles little.
 */
function load<T>(bundle: string): T {
  // A computed path keeps esbuild from inlining the bundle; run with the code cache (io/codeCache.ts).
  return runWithCodeCache(path.join(__dirname, bundle), codeCacheFolder(), (message) =>
    process.stderr.write(`warning: ${message}\n`),
  ) as T;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // Libraries warn about input (the yaml package on collection keys): a note about a user's file,
  // not an error of this program, so it goes to stdout with the findings, never to stderr.
  process.removeAllListeners('warning');
  process.on('warning', (w) => process.stdout.write(`note: ${w.message}\n`));
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (command === 'build')
    return load<{ runBuildCommand: typeof runBuildCommand }>('cli-build.js').runBuildCommand(rest);
  if (command === 'get' || command === 'reconcile' || command === 'suspend' || command === 'resume') {
    // @kubernetes/client-node 2.0 runs on undici 8, which needs Node >= 22.19 (README "Live cluster engine").
    const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
    if (major < 22 || (major === 22 && minor < 19)) {
      process.stderr.write(
        `flux-workbench ${command} needs Node.js >= 22.19 (its Kubernetes client runs on undici 8); this is Node.js ${process.version} at ${process.execPath}.\nRun it with a newer node: /path/to/node ${process.argv[1] ?? 'cli.js'} ${command} ...\n`,
      );
      return 1;
    }
    return load<{ runClusterCommand: typeof runClusterCommand }>('cli-cluster.js').runClusterCommand(
      command,
      rest,
    );
  }
  if (command === 'validate')
    return load<{ runValidateCommand: typeof runValidateCommand }>('cli-validate.js').runValidateCommand(
      rest,
    );
  process.stderr.write((command ? `unknown command: ${command}\n` : '') + USAGE + '\n');
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`flux-workbench: internal error: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 2;
  },
);
