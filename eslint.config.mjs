import tseslint from 'typescript-eslint';

const pureCore = ['shared/events/**', 'shared/engine/**', 'shared/rules/**', 'shared/respond/core/**'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', 'dist/**', 'coverage/**', 'bin/**', '**/*.cjs', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The detection core is pure: data in, data out. Cloud SDKs and the file system live at the edges.
    files: pureCore,
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@aws-sdk/*', '@azure/*', '@microsoft/*', 'aws-cdk-lib', 'aws-cdk-lib/*'],
              message:
                'The detection core must not import a cloud SDK; put I/O in sources, stores, sinks or responders.',
            },
            {
              group: ['node:fs', 'fs', 'node:fs/*', 'fs/*', 'node:http', 'node:https', 'node:net'],
              message: 'The detection core must not do I/O.',
            },
          ],
        },
      ],
    },
  },
);
