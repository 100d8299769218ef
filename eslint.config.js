// Lint for the SDK side: typescript-eslint's type-checked recommended rules
// over src/, test/, examples/ and bench/, run by `npm test` (npm run lint).
// runloop-local (local/) has its own conventions and is not linted here.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'examples/**/*.ts', 'bench/**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // `const { signal, ...rest } = options` is how a key is dropped.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, argsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests and benchmarks read raw wire JSON and poke at what the SDK must
    // not expose; proving its shape is the assertion's job, so `any` flowing
    // from JSON.parse or a fake's request body is allowed there.
    files: ['test/**/*.ts', 'examples/**/*.test.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      // `expect(obj.method).toBe…` and vitest's `vi.fn` references are not calls.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
