import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['.bench-dist/**', 'dist/**', 'node_modules/**', 'coverage/**', 'bundle/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts'],
    rules: {
      // stdout belongs to the MCP protocol on stdio: log through src/log.ts (stderr) only.
      'no-console': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration in src/config.ts only.' }],
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // cli.ts hands argv and env to config.ts; nothing else reads them.
    files: ['src/config.ts', 'src/cli.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
