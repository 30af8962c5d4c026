// The udp-tunnel framing shared by the probe (client) and serve --relay: one JSON object per UDP
// datagram, carrying a TCP stream's bytes in base64. Tiny on purpose: it only has to prove that a
// TCP exchange can ride inside UDP past a policy that blocks the TCP flow itself.
import { z } from 'zod';

export const ClientFrame = z.discriminatedUnion('t', [
  z.object({
    t: z.literal('open'),
    s: z.string(),
    host: z.string(),
    port: z.number().int(),
    timeoutMs: z.number().int(),
  }),
  z.object({ t: z.literal('data'), s: z.string(), d: z.string() }),
  z.object({ t: z.literal('close'), s: z.string() }),
]);
export type ClientFrame = z.infer<typeof ClientFrame>;

export const RelayFrame = z.discriminatedUnion('t', [
  z.object({ t: z.literal('opened'), s: z.string() }),
  z.object({ t: z.literal('data'), s: z.string(), d: z.string() }),
  z.object({ t: z.literal('closed'), s: z.string() }),
  z.object({ t: z.literal('error'), s: z.string(), errno: z.string() }),
]);
export type RelayFrame = z.infer<typeof RelayFrame>;

export function encodeFrame(frame: ClientFrame | RelayFrame): Buffer {
  return Buffer.from(JSON.stringify(frame), 'utf8');
}

export function decodeFrame<T extends z.ZodType>(schema: T, message: Buffer): z.infer<T> | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(message.toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
