// reports/controls.yaml read and checked: every problem located (file:line:col), catalog ids carrying
// their version. The shapes live in harness/model/controls.ts.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GauntletError } from '../errors.ts';
import { ControlsFile } from '../model/controls.ts';
import type { Control, Controls } from '../model/controls.ts';
import { parseWithSchema } from './load-file.ts';
import { formatProblem } from './problem.ts';

export const defaultControlsPath = fileURLToPath(new URL('../../reports/controls.yaml', import.meta.url));

export function parseControls(text: string, file: string): Controls {
  const { value, source, problems } = parseWithSchema(ControlsFile, file, text);
  const all = [...problems];
  if (value && source)
    for (const [key, catalog] of Object.entries(value.catalogs))
      if (!key.endsWith(catalog.version))
        all.push(
          source.problemAt(
            ['catalogs', key],
            `catalog id must end with its version "${catalog.version}" (numbers move between versions)`,
            { key: true },
          ),
        );
  if (all.length > 0 || !value) {
    const first = all[0];
    throw new GauntletError(
      'GAUNTLET_INVALID_CATALOG',
      first ? formatProblem(first) : `${file}: invalid controls file`,
    );
  }
  const controls = new Map<string, Control>();
  for (const [catalog, entry] of Object.entries(value.catalogs))
    for (const [control, details] of Object.entries(entry.controls))
      controls.set(`${catalog}:${control}`, {
        id: `${catalog}:${control}`,
        catalog,
        catalogTitle: entry.title,
        catalogVersion: entry.version,
        control,
        title: details.title,
        evidence: details.evidence,
        ...(details.unverified !== undefined ? { unverified: details.unverified } : {}),
      });
  return controls;
}

/** Loads reports/controls.yaml (or another file). */
export function loadControls(path: string = defaultControlsPath, displayName = path): Controls {
  return parseControls(readFileSync(path, 'utf8'), displayName);
}
