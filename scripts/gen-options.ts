/** Regenerate the README's options table from src/requests/option-table.ts (test/requests/option-table.test.ts checks it). */
import { readFileSync, writeFileSync } from 'node:fs';
import { withOptionsTable } from '../src/requests/option-table.ts';

const path = new URL('../README.md', import.meta.url);
writeFileSync(path, withOptionsTable(readFileSync(path, 'utf8')));
