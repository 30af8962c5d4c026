// What a run would download without being able to verify it, and what clusters/versions.yaml has not
// pinned yet. Pure, over the versions file. Two questions, two answers:
// - a run (`unverifiableFor`): an artifact is unverifiable when no sha256 is pinned and its project
//   publishes no checksum to check it against (Calico's manifests), or a node image has no digest;
//   the run refuses those unless told to go on without (and then the results say so);
// - a maintainer (`missingPins`, `gauntlet versions pin --check`): every hash or digest not yet
//   written into the file, checksum file or not.
import type { Stack } from './stack.ts';
import type { Versions } from './versions.ts';

export interface UnpinnedArtifact {
  /** What it is, for a person: "Calico v3.32.1 manifest tigera-operator". */
  what: string;
  /** Where its pin goes in clusters/versions.yaml: "calico.v3.32.1.manifests.tigera-operator.sha256". */
  pin: string;
  /** Its project publishes a checksum file the download is verified against. */
  checksumPublished: boolean;
}

function toolPins(
  versions: Versions,
  stack: Pick<Stack, 'mesh'> | undefined,
  platforms: readonly string[],
): UnpinnedArtifact[] {
  const missing: UnpinnedArtifact[] = [];
  for (const name of ['kind', 'kubectl'] as const) {
    const tool = versions[name];
    for (const platform of platforms)
      if (!tool.sha256[platform])
        missing.push({
          what: `${name} ${tool.version} (${platform})`,
          pin: `${name}.sha256.${platform}`,
          checksumPublished: tool.checksumUrl !== undefined,
        });
  }
  const istioVersions = stack
    ? stack.mesh.istio !== undefined && stack.mesh.mode !== 'none'
      ? [stack.mesh.istio]
      : []
    : Object.keys(versions.istio);
  for (const version of istioVersions) {
    const release = versions.istio[version];
    if (!release) continue;
    for (const platform of platforms)
      if (!release.istioctl.sha256[platform])
        missing.push({
          what: `istioctl ${version} (${platform})`,
          pin: `istio.${version}.istioctl.sha256.${platform}`,
          checksumPublished: versions.istioctl.checksumUrl !== undefined,
        });
  }
  return missing;
}

function calicoPins(versions: Versions, calicoVersions: readonly string[]): UnpinnedArtifact[] {
  return calicoVersions.flatMap((version) =>
    Object.entries(versions.calico[version]?.manifests ?? {})
      .filter(([, manifest]) => !manifest.sha256)
      // Calico publishes no checksum for its manifests (clusters/versions.yaml).
      .map(([name]) => ({
        what: `Calico ${version} manifest ${name}`,
        pin: `calico.${version}.manifests.${name}.sha256`,
        checksumPublished: false,
      })),
  );
}

function nodeImagePins(versions: Versions, kubernetesVersions: readonly string[]): UnpinnedArtifact[] {
  return kubernetesVersions
    .filter((version) => versions.nodeImages[version] && !versions.nodeImages[version]?.digest)
    .map((version) => ({
      what: `kind node image ${versions.nodeImages[version]?.image ?? version}`,
      pin: `nodeImages.${version}.digest`,
      checksumPublished: false,
    }));
}

/** Every hash or digest clusters/versions.yaml lacks, for these platforms. */
export function missingPins(versions: Versions, platforms: readonly string[]): UnpinnedArtifact[] {
  return [
    ...toolPins(versions, undefined, platforms),
    ...nodeImagePins(versions, Object.keys(versions.nodeImages)),
    ...calicoPins(versions, Object.keys(versions.calico)),
  ];
}

/** What a run of `stack` on `platform` would use with nothing to verify it against. */
export function unverifiableFor(versions: Versions, stack: Stack, platform: string): UnpinnedArtifact[] {
  return [
    ...toolPins(versions, stack, [platform]),
    ...nodeImagePins(versions, [stack.kubernetes]),
    ...calicoPins(versions, [stack.cni.version]),
  ].filter((artifact) => !artifact.checksumPublished);
}
