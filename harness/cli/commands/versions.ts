// `gauntlet versions [show|pin]`: what clusters/versions.yaml pins, and filling in the sha256 values
// it lacks (for maintainers with internet), keeping the file's comments.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GauntletError } from '../../errors.ts';
import type { PlatformId } from '../../provision/platform.ts';
import { missingPins } from '../../model/unpinned-artifacts.ts';
import { allPlatforms, pinVersions } from '../../provision/pin-versions.ts';
import { didYouMean } from '../../text/suggest.ts';
import type { Command } from '../command.ts';
import { catalogRoot, requireCatalog } from '../catalog-access.ts';
import { parseFlags } from '../flags.ts';
import { plural } from '../../text/plural.ts';
import { displayPath } from '../../text/display-path.ts';

const usage = `Usage: gauntlet versions [show]            [--catalog DIR]
       gauntlet versions pin [--platform P]... [--catalog DIR] [--dry-run]
       gauntlet versions pin --check [--platform P]... [--catalog DIR]

show   prints every pinned tool, node image and manifest, and which sha256 values are missing.
pin    downloads each artifact whose sha256 is missing, checks tools against their project's
       published checksum file, and writes the hashes into clusters/versions.yaml (comments kept).
       Calico publishes no checksums for its manifests: their hash is recorded from the download.

  --platform P   only this platform (linux-amd64, linux-arm64, darwin-amd64, darwin-arm64); repeatable
  --dry-run      print what would be pinned without writing the file
  --check        download nothing: list every sha256 and digest not yet pinned, exit 1 if any`;

export const versionsCommand: Command = {
  name: 'versions',
  summary: 'show the pinned tools and manifests, or pin missing sha256 values (`versions pin`)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseFlags(
      'versions',
      argv,
      {
        catalog: { type: 'string' },
        platform: { type: 'string', multiple: true },
        'dry-run': { type: 'boolean' },
        check: { type: 'boolean' },
      },
      { positionals: true },
    );
    const action = positionals[0] ?? 'show';
    if (!['show', 'pin'].includes(action) || positionals.length > 1)
      throw new GauntletError(
        'GAUNTLET_USAGE',
        `gauntlet versions: unknown action "${positionals.join(' ')}"${didYouMean(action, ['show', 'pin'])}`,
        'see `gauntlet help versions`',
      );
    const catalog = requireCatalog(values.catalog, io);
    const file = join(catalogRoot(values.catalog, io), 'clusters', 'versions.yaml');
    const display = displayPath(io.cwd, file);
    if (action === 'show') {
      const { versions } = catalog;
      const lines: string[] = [];
      const hashes = (pins: Record<string, string>): string => {
        const missing = allPlatforms.filter((platform) => !pins[platform]);
        return missing.length === 0 ? 'sha256 pinned' : `sha256 missing for ${missing.join(', ')}`;
      };
      lines.push(`kind     ${versions.kind.version}  ${hashes(versions.kind.sha256)}`);
      lines.push(`kubectl  ${versions.kubectl.version}  ${hashes(versions.kubectl.sha256)}`);
      for (const [version, release] of Object.entries(versions.istio))
        lines.push(
          `istioctl ${version}  Kubernetes ${release.kubernetes.join('-')}  ${hashes(release.istioctl.sha256)}`,
        );
      for (const [version, image] of Object.entries(versions.nodeImages))
        lines.push(
          `node     ${version}  ${image.image}${image.digest ? `@${image.digest}` : '  (no digest pinned)'}`,
        );
      for (const [version, release] of Object.entries(versions.calico)) {
        const missing = Object.entries(release.manifests).filter(([, entry]) => !entry.sha256);
        lines.push(
          `calico   ${version}  ${missing.length === 0 ? 'sha256 pinned' : `sha256 missing for ${missing.map(([name]) => name).join(', ')}`}`,
        );
      }
      io.stdout.write(`${lines.join('\n')}\n`);
      return 0;
    }
    const platforms = (values.platform ?? []).flatMap((value) => value.split(','));
    for (const platform of platforms)
      if (!(allPlatforms as readonly string[]).includes(platform))
        throw new GauntletError(
          'GAUNTLET_USAGE',
          `gauntlet versions pin: unknown platform "${platform}"${didYouMean(platform, allPlatforms)}`,
        );
    if (values.check === true) {
      const missing = missingPins(catalog.versions, platforms.length > 0 ? platforms : allPlatforms);
      for (const artifact of missing)
        io.stdout.write(
          `${display}: ${artifact.pin}: not pinned (${artifact.what}${artifact.checksumPublished ? '; a published checksum verifies the download meanwhile' : '; nothing else verifies it'})\n`,
        );
      io.stdout.write(
        missing.length === 0
          ? `${display}: every sha256 and digest is pinned\n`
          : `${plural(missing.length, 'pin')} missing: run \`gauntlet versions pin\` (needs internet) and commit ${display}\n`,
      );
      return missing.length === 0 ? 0 : 1;
    }
    const result = await pinVersions(readFileSync(file, 'utf8'), {
      ...(platforms.length > 0 ? { platforms: platforms as PlatformId[] } : {}),
      signal: io.signal,
      file: display,
    });
    for (const change of result.changes)
      io.stdout.write(
        `${change.path.join('.')}: ${change.sha256} (${change.verified === 'checksum-file' ? 'matches the published checksum' : 'recorded from the download: no published checksum'})\n`,
      );
    if (result.changes.length === 0) io.stdout.write(`${display}: every sha256 is already pinned\n`);
    else if (values['dry-run']) io.stdout.write(`dry run: ${display} not written\n`);
    else {
      writeFileSync(file, result.text);
      io.stdout.write(`pinned ${plural(result.changes.length, 'sha256 value')} in ${display}\n`);
    }
    return 0;
  },
};
