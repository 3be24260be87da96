// One lint config for the whole project. Domain folders must stay free of `vscode` (STYLE.md, habit 5).
import tseslint from 'typescript-eslint';

const noVscode = {
  'no-restricted-imports': [
    'error',
    { paths: [{ name: 'vscode', message: 'Domain code never imports vscode.' }] },
  ],
};

export default tseslint.config(
  { ignores: ['**/out/**', 'node_modules/**', 'test/fixtures/**', 'test-results/**', '**/*.mjs', '**/*.js'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's describe/it return promises the runner itself awaits.
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'before', 'after'] },
          ],
        },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Domain code never imports vscode; of the views only client/src/views/*.ts (not their models) may.
    files: [
      'server/src/**/*.ts',
      'client/src/cluster/**/*.ts',
      'client/src/live/**/*.ts',
      'client/src/views/*/**/*.ts',
      'test/unit/**/*.ts',
    ],
    rules: noVscode,
  },
  // Tests poke into converted schemas, whose shape is only known at run time.
  { files: ['test/**/*.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
);
