// The HTTP request an `http` probe sends: one method and version list for the scenario schema and the
// agent's batch format alike.
import { z } from 'zod';

/**
 * Any method token, not a fixed list: some attacks live in the method's spelling (Istio
 * GHSA-w44g-8m76-8gc5 sends `delete` to slip past an AuthorizationPolicy that names DELETE).
 * token = 1*tchar, RFC 9110 §5.6.2 (methods are tokens, §9.1).
 */
export const HttpMethod = z
  .string()
  .regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'must be an HTTP token (RFC 9110 §5.6.2), like GET or delete');

export const httpVersions = ['1.1', '2'] as const;
export const HttpVersion = z.enum(httpVersions);
export type HttpVersion = z.infer<typeof HttpVersion>;

/** HTTP/1.1 clients send methods as upper-case tokens: the only spelling that goes over HTTP/1.1 as written. */
export const upperCaseMethod = /^[^a-z]+$/;
