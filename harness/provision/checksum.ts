// sha256 of downloaded artifacts and parsing of the checksum files projects publish beside them:
// kubectl's `.sha256` holds the bare hash (https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/),
// kind's `.sha256sum` and Istio's `.sha256` hold `<hash>  <file name>` lines (kind
// hack/release/build/cross.sh `shasum -a 256`; istio/release-builder util.CreateSha).
import { createHash } from 'node:crypto';
import { GauntletError } from '../errors.ts';

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The hash for `fileName` in a checksum file: a line `<hash>  [*]<name>` whose name matches, else a
 * file holding exactly one hash. Returns undefined when the file says nothing usable.
 */
export function parseChecksumFile(text: string, fileName: string): string | undefined {
  const entries = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const [hash, name] = line.split(/\s+/, 2);
      return { hash: (hash ?? '').toLowerCase(), name: name?.replace(/^\*/, '').replace(/^.*\//, '') };
    })
    .filter((entry) => /^[a-f0-9]{64}$/.test(entry.hash));
  const named = entries.find((entry) => entry.name === fileName);
  if (named) return named.hash;
  if (entries.length === 1 && (entries[0]?.name === undefined || entries[0]?.name === fileName))
    return entries[0]?.hash;
  return undefined;
}

/** Throws GAUNTLET_TOOL_CHECKSUM_MISMATCH naming the URL, the expected hash and where it came from. */
export function verifySha256(
  data: Uint8Array,
  expected: string,
  context: { url: string; source: string },
): string {
  const actual = sha256Hex(data);
  if (actual !== expected.toLowerCase())
    throw new GauntletError(
      'GAUNTLET_TOOL_CHECKSUM_MISMATCH',
      `${context.url}: sha256 is ${actual}, expected ${expected} (${context.source})`,
      'the download is corrupt or was replaced upstream; do not use it. If the project re-published it on purpose, run `gauntlet versions pin` after checking why',
    );
  return actual;
}
