// `gauntlet versions pin`: fills the sha256 values missing from clusters/versions.yaml. Tools are
// verified against the project's published checksum file before their hash is written; Calico
// manifests have no published checksum, so their hash records what was downloaded (trust on first
// use, said in the output). Edits go through the `yaml` Document API so every comment stays.
import { isMap, parseDocument } from 'yaml';
import type { Document } from 'yaml';
import { GauntletError } from '../errors.ts';
import { Versions } from '../model/versions.ts';
import { sha256Hex } from './checksum.ts';
import type { Fetch } from './download.ts';
import { download } from './download.ts';
import type { PlatformId } from './platform.ts';
import { fetchVerified, toolSpec } from './tool-cache.ts';

export const allPlatforms: readonly PlatformId[] = [
  'linux-amd64',
  'linux-arm64',
  'darwin-amd64',
  'darwin-arm64',
];

export interface PinChange {
  path: (string | number)[];
  sha256: string;
  url: string;
  /** How the hash was checked before it was written. */
  verified: 'checksum-file' | 'first-download';
}

export interface PinResult {
  text: string;
  changes: PinChange[];
}

export async function pinVersions(
  text: string,
  options: { platforms?: readonly PlatformId[]; fetch?: Fetch; signal?: AbortSignal; file?: string },
): Promise<PinResult> {
  const document = parseDocument(text);
  if (document.errors.length > 0)
    throw new GauntletError(
      'GAUNTLET_INVALID_CATALOG',
      `${options.file ?? 'versions.yaml'}: ${document.errors[0]?.message.split('\n')[0] ?? 'YAML error'}`,
      'run `gauntlet validate`',
    );
  const parsed = Versions.safeParse(document.toJS());
  if (!parsed.success)
    throw new GauntletError(
      'GAUNTLET_INVALID_CATALOG',
      `${options.file ?? 'versions.yaml'} does not match its schema`,
      'run `gauntlet validate` for the details',
    );
  const versions = parsed.data;
  const platforms = options.platforms ?? allPlatforms;
  const fetchOptions = {
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const changes: PinChange[] = [];
  const set = (path: (string | number)[], change: Omit<PinChange, 'path'>): void => {
    setBlock(document, path, change.sha256);
    changes.push({ path, ...change });
  };

  for (const name of ['kind', 'kubectl'] as const)
    for (const platform of platforms) {
      if (versions[name].sha256[platform]) continue;
      const spec = toolSpec(name, versions, platform);
      const { sha256 } = await fetchVerified(
        { url: spec.url, ...(spec.checksumUrl ? { checksumUrl: spec.checksumUrl } : {}) },
        fetchOptions,
      );
      set([name, 'sha256', platform], { sha256, url: spec.url, verified: 'checksum-file' });
    }
  for (const [version, release] of Object.entries(versions.istio))
    for (const platform of platforms) {
      if (release.istioctl.sha256[platform]) continue;
      const spec = toolSpec('istioctl', versions, platform, version);
      const { sha256 } = await fetchVerified(
        { url: spec.url, ...(spec.checksumUrl ? { checksumUrl: spec.checksumUrl } : {}) },
        fetchOptions,
      );
      set(['istio', version, 'istioctl', 'sha256', platform], {
        sha256,
        url: spec.url,
        verified: 'checksum-file',
      });
    }
  for (const [version, release] of Object.entries(versions.calico))
    for (const [manifest, entry] of Object.entries(release.manifests)) {
      if (entry.sha256) continue;
      const sha256 = sha256Hex(await download(entry.url, fetchOptions));
      set(['calico', version, 'manifests', manifest, 'sha256'], {
        sha256,
        url: entry.url,
        verified: 'first-download',
      });
    }
  return { text: changes.length > 0 ? document.toString({ lineWidth: 0 }) : text, changes };
}

/** Sets a scalar at `path`, turning a `{}` flow map on the way into block style so each pin gets a line. */
function setBlock(document: Document, path: (string | number)[], value: string): void {
  document.setIn(path, value);
  const parent = document.getIn(path.slice(0, -1), true);
  if (isMap(parent)) parent.flow = false;
}
