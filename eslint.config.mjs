// ESLint flat config: typescript-eslint type-checked everywhere, React hooks and Next rules for the
// UI, and the architecture rule of STYLE.md §2 — `lib/core` is framework-free.
import js from '@eslint/js';
import nextPlugin from '@next/eslint-plugin-next';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const FRAMEWORK_IMPORTS = [
  { group: ['next', 'next/*'], message: 'lib/core is framework-free (STYLE.md §2).' },
  { group: ['react', 'react/*', 'react-dom', 'react-dom/*'], message: 'lib/core is framework-free.' },
  { group: ['@trpc/*'], message: 'lib/core is framework-free.' },
  {
    group: ['drizzle-orm', 'drizzle-orm/*', 'better-sqlite3'],
    message: 'lib/core does not touch the database.',
  },
  {
    group: ['@/server', '@/server/*', '@/components', '@/components/*', '@/app', '@/app/*'],
    message: 'lib/core may not import server or UI code.',
  },
];

export default tseslint.config(
  {
    ignores: [
      '.next/**',
      'node_modules/**',
      'drizzle/**',
      'data/**',
      'test-results/**',
      'playwright-report/**',
      'e2e/.data/**',
      'next-env.d.ts',
      // The bundled State-API apps are plain browser JavaScript served to Chromium, not part of the
      // TypeScript project; server/rollouts/runner.test.ts replays their demos in Chromium.
      'environments/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.mjs', 'bin/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
    },
  },
  {
    files: ['**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['app/**/*.{ts,tsx}', 'components/**/*.{ts,tsx}', 'lib/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks, '@next/next': nextPlugin },
    rules: {
      ...reactHooks.configs.recommended.rules,
      ...nextPlugin.configs.recommended.rules,
      ...nextPlugin.configs['core-web-vitals'].rules,
    },
  },
  {
    files: ['lib/core/**/*.ts'],
    ignores: ['lib/core/**/node/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...FRAMEWORK_IMPORTS,
            {
              group: ['node:*', 'fs', 'path', 'os', 'child_process'],
              message: 'node:* only in a lib/core/**/node/ folder (STYLE.md §2).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['lib/core/**/node/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: FRAMEWORK_IMPORTS }] },
  },
);
