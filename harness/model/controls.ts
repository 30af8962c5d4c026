// reports/controls.yaml: the compliance controls gauntlet's traffic evidence supports, keyed by
// catalog and version (`cis-k8s-1.12:5.3.2`, `nist-800-53r5:sc-7`). Reports look controls up here
// to print their titles and what a flow evidences.
import { z } from 'zod';

const ControlEntry = z
  .object({
    title: z.string().min(1),
    /** One line: what a gauntlet flow shows about this control. */
    evidence: z.string().min(1),
    /** What about this entry could not be checked against the source. */
    unverified: z.string().min(1).optional(),
  })
  .strict();

const CatalogEntry = z
  .object({
    title: z.string().min(1),
    /** The catalog version; the catalog key must end with it (numbers move between versions). */
    version: z.string().min(1),
    publisher: z.string().min(1),
    verified: z.string().min(1),
    controls: z.record(z.string().regex(/^[a-z0-9.()-]+$/, 'must be a lower-case control id'), ControlEntry),
  })
  .strict();

export const ControlsFile = z
  .object({
    catalogs: z.record(
      z.string().regex(/^[a-z][a-z0-9.-]*$/, 'must be a lower-case catalog id with its version'),
      CatalogEntry,
    ),
  })
  .strict();
export type ControlsFile = z.infer<typeof ControlsFile>;

export interface Control {
  /** `catalog:control`, as scenarios and results write it. */
  id: string;
  catalog: string;
  catalogTitle: string;
  catalogVersion: string;
  control: string;
  title: string;
  evidence: string;
  unverified?: string;
}

export type Controls = ReadonlyMap<string, Control>;

/** A control's description, or a placeholder that says it is not in controls.yaml. */
export function describeControl(controls: Controls, id: string): Control {
  const known = controls.get(id);
  if (known) return known;
  const [catalog = id, control = ''] = id.split(':');
  return {
    id,
    catalog,
    catalogTitle: catalog,
    catalogVersion: '',
    control,
    title: '(not described in reports/controls.yaml)',
    evidence: '',
  };
}
