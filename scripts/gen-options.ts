/**
 * Regenerate what the option table (src/requests/option-table.ts) derives into files: the README's
 * options table and `.env.example`'s block of the options' env vars (test/requests/option-table.test.ts
 * fails when either is stale).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { optionEnvDefaults, withEnvBlock, withOptionsTable } from '../src/requests/option-table.ts';

const readme = new URL('../README.md', import.meta.url);
writeFileSync(readme, withOptionsTable(readFileSync(readme, 'utf8')));
const envExample = new URL('../.env.example', import.meta.url);
writeFileSync(envExample, withEnvBlock(readFileSync(envExample, 'utf8'), optionEnvDefaults()));
