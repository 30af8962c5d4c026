// Loads one scenario folder: scenario.yaml, checked against the schema and its own references, and
// the manifests of every variant, each validated as a Kubernetes / Istio / Calico object.
import { existsSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type { Scenario } from '../model/scenario.ts';
import { Scenario as ScenarioSchema, scenarioNamespaces, variantSpec } from '../model/scenario.ts';
import type { AdmissionLevel } from '../model/traits.ts';
import { didYouMean } from '../text/suggest.ts';
import { checkScenarioReferences } from './check-scenario.ts';
import { loadWithSchema, readText } from './load-file.ts';
import type { CheckedManifest } from './manifest-check.ts';
import { checkManifest } from './manifest-check.ts';
import type { Problem } from './problem.ts';
import type { YamlSource } from './yaml-source.ts';
import { YamlSource as Yaml } from './yaml-source.ts';
import { readdirSync } from 'node:fs';

export interface LoadedVariant {
  name: string;
  manifests: CheckedManifest[];
  admission?: AdmissionLevel;
}

export interface LoadedScenario {
  scenario: Scenario;
  dir: string;
  source: YamlSource;
  variants: LoadedVariant[];
}

export function loadScenario(
  dir: string,
  displayRoot: string,
  labCaseIds?: readonly string[],
): { loaded?: LoadedScenario; problems: Problem[] } {
  const file = join(dir, 'scenario.yaml');
  const display = relative(displayRoot, file) || file;
  const { value: scenario, source, problems } = loadWithSchema(ScenarioSchema, file, display);
  if (!scenario || !source) return { problems };
  problems.push(...checkScenarioReferences(scenario, source, basename(dir), labCaseIds));

  const namespaces = new Set(scenarioNamespaces(scenario.workloads));
  const available = existsSync(dir)
    ? readdirSync(dir).filter((name) => /\.ya?ml$/.test(name) && name !== 'scenario.yaml')
    : [];
  const manifestCache = new Map<string, CheckedManifest[]>();
  const variants: LoadedVariant[] = [];
  for (const [name, variant] of Object.entries(scenario.variants)) {
    const spec = variantSpec(variant);
    const manifests: CheckedManifest[] = [];
    spec.manifests.forEach((manifestFile, index) => {
      const path = Array.isArray(variant)
        ? ['variants', name, index]
        : ['variants', name, 'manifests', index];
      const cached = manifestCache.get(manifestFile);
      if (cached) {
        manifests.push(...cached);
        return;
      }
      const fullPath = join(dir, manifestFile);
      if (!existsSync(fullPath)) {
        problems.push(
          source.problemAt(
            path,
            `manifest "${manifestFile}" not found in ${relative(displayRoot, dir) || dir}${didYouMean(manifestFile, available)}`,
          ),
        );
        return;
      }
      const manifestDisplay = relative(displayRoot, fullPath) || fullPath;
      const { text, problems: readProblems } = readText(fullPath, manifestDisplay);
      problems.push(...readProblems);
      if (text === undefined) return;
      const { sources, problems: parseProblems } = Yaml.parseAll(manifestDisplay, text);
      problems.push(...parseProblems);
      const checked: CheckedManifest[] = [];
      for (const manifestSource of sources) {
        const result = checkManifest(manifestSource, namespaces);
        problems.push(...result.problems);
        if (result.manifest) checked.push(result.manifest);
      }
      manifestCache.set(manifestFile, checked);
      manifests.push(...checked);
    });
    variants.push({ name, manifests, ...(spec.admission ? { admission: spec.admission } : {}) });
  }
  return { loaded: { scenario, dir, source, variants }, problems };
}
