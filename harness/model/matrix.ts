// clusters/matrix.yaml: the stacks of the nightly run, plus version axes expanded into more stacks.
import { z } from 'zod';
import { Identifier, Version } from './ids.ts';

export const MatrixAxis = z
  .object({
    /** The stack whose versions vary. */
    from: Identifier,
    calico: z.array(Version).min(1).optional(),
    istio: z.array(Version).min(1).optional(),
  })
  .strict();
export type MatrixAxis = z.infer<typeof MatrixAxis>;

export const Matrix = z
  .object({
    stacks: z.array(Identifier).default([]),
    axes: z.array(MatrixAxis).default([]),
  })
  .strict();
export type Matrix = z.infer<typeof Matrix>;
