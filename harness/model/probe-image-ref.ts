// The probe image's reference: one place, so the renderer, the image build and `kind load` agree.
// The tag carries gauntlet's version: an upgraded gauntlet never runs an older agent by accident.
import { gauntletVersion } from '../version.ts';

export const probeImageName = 'gauntlet-probe';

export function probeImageRef(version: string = gauntletVersion): string {
  return `${probeImageName}:${version}`;
}
