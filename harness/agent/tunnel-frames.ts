// The udp-tunnel framing shared by the probe (client) and serve --relay: one JSON object per UDP
// datagram, carrying a TCP stream's bytes in base64. Tiny on purpose: it only has to prove that a
// TCP exchange can ride inside UDP past a policy that blocks the TCP flow itself.
import { z } from 'zod';

/**
 * Stream bytes per datagram, both ways: base64 and the JSON around them keep a frame near 1 KiB,
 * under a 1500-byte MTU and far below UDP's 65,507-byte limit (a TCP read can return 64 KiB).
 */
export const frameChunkBytes = 768;

/** Splits stream bytes into base64 payloads of at most `frameChunkBytes` bytes each. */
export function chunkPayloads(bytes: Buffer): string[] {
  const payloads: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += frameChunkBytes)
    payloads.push(bytes.subarray(offset, offset + frameChunkBytes).toString('base64'));
  return payloads;
}

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
