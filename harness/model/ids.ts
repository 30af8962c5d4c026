// Identifier rules shared by stacks, scenarios, workloads, variants and probes: they become parts of
// Kubernetes names (RFC 1123 labels) and of stable test ids, so they stay short and lower-case.
import { z } from 'zod';

export const dnsLabel = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

export const Identifier = z
  .string()
  .max(40)
  .regex(dnsLabel, 'must be lower-case letters, digits and "-", starting with a letter (an RFC 1123 label)');

/** A version like v3.32.1 or 1.30.3 (the leading v is kept as written upstream). */
export const Version = z.string().regex(/^v?\d+\.\d+\.\d+$/, 'must be a full version like 1.30.3 or v3.32.1');

/** A sha256 hex digest. */
export const Sha256 = z.string().regex(/^[a-f0-9]{64}$/, 'must be 64 lower-case hex characters');
