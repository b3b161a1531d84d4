#!/usr/bin/env node
// Entry point of the `easel` CLI. The project runs its TypeScript sources directly through tsx
// (no build step to forget); `src/cli.ts` holds the commands.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
