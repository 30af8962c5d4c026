// The tool cache: kind, kubectl and istioctl at the versions of clusters/versions.yaml. Strategies are
// tried in order and each says why it did not apply (the shape of testcontainers' runtime strategies):
// a tool already on PATH at the pinned version, then a verified copy in the cache, then a download
// verified against the pinned sha256 or the project's published checksum file (the hash is recorded
// beside the binary so later runs re-check it). Default cache: ~/.cache/gauntlet, or $GAUNTLET_CACHE_DIR.
import { constants } from 'node:fs';
import { access, chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { GauntletError } from '../errors.ts';
import type { Versions } from '../model/versions.ts';
import type { Shell } from '../shell.ts';
import { parseChecksumFile, sha256Hex, verifySha256 } from './checksum.ts';
import type { Fetch } from './download.ts';
import { download, downloadText } from './download.ts';
import type { PlatformId } from './platform.ts';
import { istioctlAssetNames, renderUrl } from './platform.ts';
import { extractFromTarGz } from './tar.ts';

export type ToolName = 'kind' | 'kubectl' | 'istioctl';
export const toolNames: readonly ToolName[] = ['kind', 'kubectl', 'istioctl'];

/** One tool at one version for one platform, with its URLs rendered. */
export interface ToolSpec {
  name: ToolName;
  version: string;
  platform: PlatformId;
  url: string;
  checksumUrl?: string;
  /** Pinned in versions.yaml for this platform. */
  sha256?: string;
  /** Set when the download is a .tar.gz holding the binary under this name. */
  archiveEntry?: string;
}

export interface ResolvedTool {
  name: ToolName;
  version: string;
  path: string;
  source: 'path' | 'cache' | 'download';
  /** sha256 of the downloaded artifact (the archive for istioctl), when gauntlet verified one. */
  sha256?: string;
  /** Why the strategies before the one that applied did not. */
  skipped: string[];
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  return env['GAUNTLET_CACHE_DIR'] || join(home, '.cache', 'gauntlet');
}

/** The spec of a tool from versions.yaml; istioctl needs the Istio release of the stack. */
export function toolSpec(
  name: ToolName,
  versions: Versions,
  platform: PlatformId,
  istioVersion?: string,
): ToolSpec {
  if (name === 'istioctl') {
    if (istioVersion === undefined) throw new Error('istioctl needs an Istio version');
    const release = versions.istio[istioVersion];
    if (!release)
      throw new GauntletError(
        'GAUNTLET_INVALID_CATALOG',
        `Istio ${istioVersion} is not pinned in clusters/versions.yaml`,
        'add it under istio:',
      );
    const values = { version: istioVersion, platform, assetNames: istioctlAssetNames };
    const sha256 = release.istioctl.sha256[platform];
    return {
      name,
      version: istioVersion,
      platform,
      url: renderUrl(versions.istioctl.url, values),
      ...(versions.istioctl.checksumUrl
        ? { checksumUrl: renderUrl(versions.istioctl.checksumUrl, values) }
        : {}),
      ...(sha256 ? { sha256 } : {}),
      archiveEntry: 'istioctl',
    };
  }
  const tool = versions[name];
  const values = { version: tool.version, platform };
  const sha256 = tool.sha256[platform];
  const url = renderUrl(tool.url, values);
  return {
    name,
    version: tool.version,
    platform,
    url,
    ...(tool.checksumUrl ? { checksumUrl: renderUrl(tool.checksumUrl, values) } : {}),
    ...(sha256 ? { sha256 } : {}),
    ...(url.endsWith('.tar.gz') ? { archiveEntry: name } : {}),
  };
}

/** How to ask each tool its version, and where the answer is (verified against each CLI's source). */
export const versionProbes: Record<ToolName, { args: string[]; parse(stdout: string): string | undefined }> =
  {
    // `kind version` prints "kind v0.32.0 go1.x linux/amd64" (kind pkg/cmd/kind/version/version.go DisplayVersion).
    kind: { args: ['version'], parse: (stdout) => /\bv?(\d+\.\d+\.\d+)\b/.exec(stdout)?.[1] },
    // `kubectl version --client -o json` has clientVersion.gitVersion.
    kubectl: {
      args: ['version', '--client', '-o', 'json'],
      parse: (stdout) => jsonField(stdout, ['clientVersion', 'gitVersion']),
    },
    // `istioctl version --remote=false -o json` has clientVersion.version (istio pkg/version/cobra.go, version.go BuildInfo).
    istioctl: {
      args: ['version', '--remote=false', '-o', 'json'],
      parse: (stdout) => jsonField(stdout, ['clientVersion', 'version']),
    },
  };

function jsonField(text: string, path: string[]): string | undefined {
  try {
    let value: unknown = JSON.parse(text);
    for (const key of path) value = (value as Record<string, unknown> | null)?.[key];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

export const sameVersion = (a: string, b: string): boolean => a.replace(/^v/, '') === b.replace(/^v/, '');

export interface ToolCacheOptions {
  cacheDir: string;
  shell: Shell;
  fetch?: Fetch;
  /** PATH to search for preinstalled tools (default: $PATH). */
  searchPath?: string;
  /** Skip the PATH strategy (tests, or to force the pinned downloads). */
  ignorePath?: boolean;
  log?: (message: string) => void;
}

/** Where the cache keeps a tool, and the record of what was verified. */
export function cachePaths(cacheDir: string, spec: Pick<ToolSpec, 'name' | 'version' | 'platform'>) {
  const dir = join(cacheDir, 'tools', spec.name, spec.version, spec.platform);
  return { dir, binary: join(dir, spec.name), record: join(dir, `${spec.name}.json`) };
}

interface CacheRecord {
  url: string;
  /** sha256 of the downloaded artifact. */
  sha256: string;
  /** sha256 of the binary as written (differs from `sha256` for archives). */
  binarySha256: string;
  verifiedAgainst: 'pinned' | 'checksum-file';
}

type StrategyResult = { tool: ResolvedTool } | { skipped: string };

interface Strategy {
  name: string;
  resolve(spec: ToolSpec, signal: AbortSignal | undefined): Promise<StrategyResult>;
}

export class ToolCache {
  private readonly strategies: Strategy[];

  constructor(private readonly options: ToolCacheOptions) {
    this.strategies = [
      ...(options.ignorePath ? [] : [{ name: 'PATH', resolve: this.fromPath.bind(this) }]),
      { name: 'cache', resolve: this.fromCache.bind(this) },
      { name: 'download', resolve: this.fromDownload.bind(this) },
    ];
  }

  /** Finds or fetches the tool; throws the last strategy's error (naming the URL) when none applies. */
  async resolve(spec: ToolSpec, signal?: AbortSignal): Promise<ResolvedTool> {
    const skipped: string[] = [];
    for (const strategy of this.strategies) {
      const result = await strategy.resolve(spec, signal);
      if ('tool' in result) {
        const tool = { ...result.tool, skipped };
        this.options.log?.(
          `${spec.name} ${spec.version}: using ${tool.path} (${tool.source}${skipped.length ? `; ${skipped.join('; ')}` : ''})`,
        );
        return tool;
      }
      skipped.push(`${strategy.name}: ${result.skipped}`);
    }
    throw new GauntletError(
      'GAUNTLET_PROVISION_FAILED',
      `no way to get ${spec.name} ${spec.version}: ${skipped.join('; ')}`,
    );
  }

  /** Looks on PATH and in the cache only (no download): for `gauntlet doctor`. */
  async locate(
    spec: ToolSpec,
    signal?: AbortSignal,
  ): Promise<{ tool: ResolvedTool } | { skipped: string[] }> {
    const skipped: string[] = [];
    for (const strategy of this.strategies.filter((candidate) => candidate.name !== 'download')) {
      const result = await strategy.resolve(spec, signal);
      if ('tool' in result) return { tool: { ...result.tool, skipped } };
      skipped.push(`${strategy.name}: ${result.skipped}`);
    }
    return { skipped };
  }

  private async fromPath(spec: ToolSpec, signal: AbortSignal | undefined): Promise<StrategyResult> {
    const found = await findOnPath(spec.name, this.options.searchPath ?? process.env['PATH'] ?? '');
    if (!found) return { skipped: `${spec.name} is not on PATH` };
    const probe = versionProbes[spec.name];
    const result = await this.options.shell.run(found, probe.args, {
      timeoutMs: 20_000,
      ...(signal ? { signal } : {}),
    });
    const version = result.exitCode === 0 ? probe.parse(result.stdout) : undefined;
    if (version === undefined)
      return { skipped: `${found} did not report its version (exit ${result.exitCode})` };
    if (!sameVersion(version, spec.version))
      return { skipped: `${found} is ${version}, the pin is ${spec.version}` };
    return { tool: { name: spec.name, version: spec.version, path: found, source: 'path', skipped: [] } };
  }

  private async fromCache(spec: ToolSpec): Promise<StrategyResult> {
    const paths = cachePaths(this.options.cacheDir, spec);
    let record: CacheRecord;
    let binary: Uint8Array;
    try {
      record = JSON.parse(await readFile(paths.record, 'utf8')) as CacheRecord;
      binary = await readFile(paths.binary);
    } catch {
      return { skipped: `not in ${paths.dir}` };
    }
    if (record.url !== spec.url) return { skipped: `cached copy came from ${record.url}, not ${spec.url}` };
    if (spec.sha256 && record.sha256 !== spec.sha256)
      return { skipped: `cached copy has sha256 ${record.sha256}, the pin is ${spec.sha256}` };
    if (sha256Hex(binary) !== record.binarySha256)
      return { skipped: `cached ${paths.binary} changed since it was verified` };
    return {
      tool: {
        name: spec.name,
        version: spec.version,
        path: paths.binary,
        source: 'cache',
        sha256: record.sha256,
        skipped: [],
      },
    };
  }

  private async fromDownload(spec: ToolSpec, signal: AbortSignal | undefined): Promise<StrategyResult> {
    const fetched = await fetchVerified(spec, { ...this.fetchOptions(), ...(signal ? { signal } : {}) });
    const binary = spec.archiveEntry ? extractFromTarGz(fetched.data, spec.archiveEntry) : fetched.data;
    if (!binary)
      throw new GauntletError(
        'GAUNTLET_TOOL_DOWNLOAD_FAILED',
        `${spec.url} has no file named ${spec.archiveEntry}`,
        'the release layout changed upstream; check the URL pattern in clusters/versions.yaml',
      );
    const paths = cachePaths(this.options.cacheDir, spec);
    await mkdir(paths.dir, { recursive: true });
    // Write to a temporary name and rename, so an interrupted run never leaves a half-written binary.
    const partial = `${paths.binary}.partial-${process.pid}`;
    try {
      await writeFile(partial, binary, { mode: 0o755 });
      await chmod(partial, 0o755);
      await rename(partial, paths.binary);
    } finally {
      await rm(partial, { force: true });
    }
    const record: CacheRecord = {
      url: spec.url,
      sha256: fetched.sha256,
      binarySha256: sha256Hex(binary),
      verifiedAgainst: fetched.verifiedAgainst,
    };
    await writeFile(paths.record, `${JSON.stringify(record, null, 2)}\n`);
    return {
      tool: {
        name: spec.name,
        version: spec.version,
        path: paths.binary,
        source: 'download',
        sha256: fetched.sha256,
        skipped: [],
      },
    };
  }

  private fetchOptions(): { fetch?: Fetch } {
    return this.options.fetch ? { fetch: this.options.fetch } : {};
  }
}

/**
 * Downloads an artifact and verifies it: against the pinned sha256 when there is one, else against
 * the project's checksum file (whose hash is returned, for `versions pin` and the cache record).
 */
export async function fetchVerified(
  spec: Pick<ToolSpec, 'url' | 'checksumUrl' | 'sha256'>,
  options: { fetch?: Fetch; signal?: AbortSignal },
): Promise<{ data: Uint8Array; sha256: string; verifiedAgainst: CacheRecord['verifiedAgainst'] }> {
  let expected = spec.sha256;
  let verifiedAgainst: CacheRecord['verifiedAgainst'] = 'pinned';
  if (!expected) {
    if (!spec.checksumUrl)
      throw new GauntletError(
        'GAUNTLET_TOOL_CHECKSUM_MISMATCH',
        `${spec.url}: no sha256 pinned and no checksum file to verify it against`,
        'run `gauntlet versions pin` to record the hash in clusters/versions.yaml',
      );
    const text = await downloadText(spec.checksumUrl, options);
    const fileName = new URL(spec.url).pathname.replace(/^.*\//, '');
    expected = parseChecksumFile(text, fileName);
    if (!expected)
      throw new GauntletError(
        'GAUNTLET_TOOL_CHECKSUM_MISMATCH',
        `${spec.checksumUrl} holds no sha256 for ${fileName}`,
        'pin the hash in clusters/versions.yaml by hand after checking the release page',
      );
    verifiedAgainst = 'checksum-file';
  }
  const data = await download(spec.url, options);
  const sha256 = verifySha256(data, expected, {
    url: spec.url,
    source:
      verifiedAgainst === 'pinned' ? 'pinned in clusters/versions.yaml' : `published in ${spec.checksumUrl}`,
  });
  return { data, sha256, verifiedAgainst };
}

/** The first executable file called `name` in a PATH string. */
export async function findOnPath(name: string, searchPath: string): Promise<string | undefined> {
  for (const dir of searchPath.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
