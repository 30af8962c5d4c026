// The preloads of a stack's two installs: Calico's images before the operator's manifests are
// created, Istio's before istioctl installs. Each asks the pinned release which images it deploys
// (harness/provision/stack-images.ts) and hands them to harness/provision/image-preload.ts.
import type { Shell } from '../shell.ts';
import { formatCommandFailure } from '../text/command-failure.ts';
import type { MeshInstall } from './istio.ts';
import { istioctlManifestGenerateArgs } from './istio.ts';
import type { PreloadDeps, PreloadOutcome } from './image-preload.ts';
import { preloadImages } from './image-preload.ts';
import type { StartedKindCluster } from './kind.ts';
import { calicoComponentImages, istioImagesOf, operatorImageOf, printImagesArgs } from './stack-images.ts';

/** The output of a command that lists a release's images: empty, after noting why, when it fails. */
async function listing(
  shell: Shell,
  [command, ...args]: [string, ...string[]],
  what: string,
  note: (reason: string) => void,
  signal?: AbortSignal,
): Promise<string> {
  const result = await shell.run(command, args, { timeoutMs: 120_000, ...(signal ? { signal } : {}) });
  if (result.exitCode === 0) return result.stdout;
  note(formatCommandFailure(result, what, 1));
  return '';
}

/**
 * The operator image named in tigera-operator.yaml, pulled first, then the images that operator
 * prints for the custom resources about to be created (`kinds`).
 */
export function preloadCalicoImages(
  cluster: StartedKindCluster,
  calico: { version: string; tigeraOperatorYaml: string; kinds: readonly string[] },
  deps: PreloadDeps,
  signal?: AbortSignal,
): Promise<PreloadOutcome> {
  return preloadImages(
    cluster,
    `Calico ${calico.version}`,
    async (want, note) => {
      const operator = operatorImageOf(calico.tigeraOperatorYaml);
      if (!(await want(operator))) return note(`without ${operator} its component images are unknown`);
      const printed = await listing(
        deps.shell,
        [deps.dockerBinary ?? 'docker', ...printImagesArgs(operator)],
        'asking the operator for its images',
        note,
        signal,
      );
      for (const image of calicoComponentImages(printed, calico.kinds)) await want(image);
    },
    deps,
    signal,
  );
}

/** The images of the manifest the pinned istioctl renders with the install's own settings. */
export function preloadIstioImages(
  cluster: StartedKindCluster,
  istio: { version: string; istioctl: string; mode: MeshInstall; ingressGateway: boolean },
  deps: PreloadDeps,
  signal?: AbortSignal,
): Promise<PreloadOutcome> {
  return preloadImages(
    cluster,
    `Istio ${istio.version}`,
    async (want, note) => {
      const rendered = await listing(
        deps.shell,
        [istio.istioctl, ...istioctlManifestGenerateArgs(istio.mode, istio.ingressGateway)],
        'rendering the Istio manifest',
        note,
        signal,
      );
      for (const image of istioImagesOf(rendered)) await want(image);
    },
    deps,
    signal,
  );
}
