// Lint for the SDK's source (src/): typescript-eslint's type-checked
// recommended rules, run by `npm test` (npm run lint). runloop-local (local/)
// has its own conventions and is not linted here.
import tseslint from 'typescript-eslint';

export default tseslint.config({
  files: ['src/**/*.ts'],
  extends: [tseslint.configs.recommendedTypeChecked],
  languageOptions: {
    parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
  },
  rules: {
    // `const { signal, ...rest } = options` is how a key is dropped.
    '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
  },
});
