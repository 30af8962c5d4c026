// A private copy of the fixture catalog that a test may break, removed when the test ends.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';

export const fixtureCatalog = new URL('../fixtures/catalog/', import.meta.url).pathname;

export interface CatalogCopy {
  root: string;
  file(relativePath: string): string;
  edit(relativePath: string, change: (text: string) => string): void;
  write(relativePath: string, text: string): void;
}

export function copyCatalog(t: ExecutionContext): CatalogCopy {
  const root = mkdtempSync(join(tmpdir(), 'gauntlet-catalog-'));
  cpSync(fixtureCatalog, root, { recursive: true });
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  return {
    root,
    file: (relativePath) => join(root, relativePath),
    edit(relativePath, change) {
      const path = join(root, relativePath);
      const before = readFileSync(path, 'utf8');
      const after = change(before);
      if (after === before) throw new Error(`edit of ${relativePath} changed nothing: the test is stale`);
      writeFileSync(path, after);
    },
    write(relativePath, text) {
      writeFileSync(join(root, relativePath), text);
    },
  };
}
