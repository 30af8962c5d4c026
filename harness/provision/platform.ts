// The platform a tool binary is downloaded for, and how each project names its assets. kind and
// kubectl use Go's `os-arch` (kind-linux-amd64, bin/darwin/arm64/kubectl); istioctl names macOS
// builds `osx` (amd64) and `osx-arm64` (istio/istio Makefile.core.mk targets istioctl-osx and
// istioctl-osx-arm64 @1.30.3; release/downloadIstioCtl.sh picks the same names).
import { GauntletError } from '../errors.ts';

export type Os = 'linux' | 'darwin';
export type Arch = 'amd64' | 'arm64';
export type PlatformId = `${Os}-${Arch}`;

const osNames: Partial<Record<NodeJS.Platform, Os>> = { linux: 'linux', darwin: 'darwin' };
const archNames: Partial<Record<string, Arch>> = { x64: 'amd64', arm64: 'arm64' };

/** The platform of this machine (or of the given Node platform/arch), in Go's naming. */
export function detectPlatform(
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): { os: Os; arch: Arch; id: PlatformId } {
  const os = osNames[platform];
  const goArch = archNames[arch];
  if (!os || !goArch)
    throw new GauntletError(
      'GAUNTLET_PROVISION_FAILED',
      `no kind, kubectl or istioctl builds are pinned for ${platform}/${arch}`,
      'run gauntlet on linux or macOS, amd64 or arm64 (or put the tools on PATH at the pinned versions)',
    );
  return { os, arch: goArch, id: `${os}-${goArch}` };
}

/** How a project names one platform in its asset file names, when it differs from `os-arch`. */
export type AssetNames = Partial<Record<PlatformId, string>>;

export const istioctlAssetNames: AssetNames = { 'darwin-amd64': 'osx', 'darwin-arm64': 'osx-arm64' };

/**
 * Fills a versions.yaml URL pattern. `{os}-{arch}` is replaced as a whole first, so a project that
 * names a platform irregularly (istioctl's `osx`) is covered by `assetNames`.
 */
export function renderUrl(
  pattern: string,
  values: { version: string; platform: PlatformId; assetNames?: AssetNames },
): string {
  const [os, arch] = values.platform.split('-') as [Os, Arch];
  const asset = values.assetNames?.[values.platform] ?? values.platform;
  return pattern
    .replaceAll('{os}-{arch}', asset)
    .replaceAll('{version}', values.version)
    .replaceAll('{os}', os)
    .replaceAll('{arch}', arch);
}
