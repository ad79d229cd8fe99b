// The JS lint, run by scripts/test.sh: ESLint's recommended rules, which make an unused variable
// and an undeclared global errors, over the page (www/) and the browser tests. The packages come
// from tests/browser/node_modules (installed by the test script).
import js from './tests/browser/node_modules/@eslint/js/src/index.js';
import globals from './tests/browser/node_modules/globals/index.js';

export default [
  { ignores: ['www/pkg/**', 'tests/browser/node_modules/**', 'tests/artifacts/**'] },
  js.configs.recommended,
  {
    files: ['www/**/*.js'],
    languageOptions: { sourceType: 'module', ecmaVersion: 2024, globals: globals.browser },
  },
  { files: ['www/worker.js'], languageOptions: { globals: globals.worker } },
  {
    files: ['tests/browser/**/*.mjs'],
    // the tests run in Node and pass functions into the page (browser globals inside them)
    languageOptions: { sourceType: 'module', ecmaVersion: 2024, globals: { ...globals.node, ...globals.browser } },
  },
  { rules: { 'no-unused-vars': ['error', { caughtErrors: 'none' }] } },
];
