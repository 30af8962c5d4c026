#!/usr/bin/env node
// The `gauntlet` executable. Runs the TypeScript sources through tsx so `npx gauntlet` works right
// after `npm ci`, with no build step.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../harness/cli/process.ts');
await runCli();
