// The version recorded in results.json; read from package.json so there is one source.
import { readFileSync } from 'node:fs';

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
export const gauntletVersion: string = packageJson.version;
