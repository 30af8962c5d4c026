// The whole catalog: stacks, matrix and versions under clusters/, scenarios under scenarios/, loaded
// and cross-checked together. Every command validates through here first and stops on any error.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { matchExpectation, stackTraits } from '../model/expectation.ts';
import type { Matrix } from '../model/matrix.ts';
import { Matrix as MatrixSchema } from '../model/matrix.ts';
import type { Stack } from '../model/stack.ts';
import { Stack as StackSchema } from '../model/stack.ts';
import type { Versions } from '../model/versions.ts';
import { Versions as VersionsSchema } from '../model/versions.ts';
import { expandMatrix } from './expand-matrix.ts';
import { inRange, noKubernetesMessage, supportedRange } from '../model/kubernetes-range.ts';
import { didYouMean } from '../text/suggest.ts';
import type { LoadedScenario } from './load-scenario.ts';
import { loadScenario } from './load-scenario.ts';
import { loadWithSchema } from './load-file.ts';
import type { Problem } from './problem.ts';
import { sortProblems } from './problem.ts';
import type { YamlSource } from './yaml-source.ts';
import { scenarioApplies } from '../model/applies.ts';
import type { Controls } from '../model/controls.ts';
import { defaultControlsPath, parseControls } from './controls-file.ts';
import { GauntletError } from '../errors.ts';

export interface Catalog {
  root: string;
  stacks: Map<string, Stack>;
  stackSources: Map<string, YamlSource>;
  scenarios: Map<string, LoadedScenario>;
  matrix: Matrix;
  versions: Versions;
  /** The nightly stacks, with version axes expanded. */
  matrixStacks: Stack[];
}

export interface CatalogLoad {
  catalog?: Catalog;
  problems: Problem[];
}

function listDirectories(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => !name.startsWith('.') && statSync(join(dir, name)).isDirectory())
    .sort();
}

/** Checks that a stack's versions are pinned in versions.yaml. */
function checkStackVersions(stack: Stack, source: YamlSource, versions: Versions): Problem[] {
  const problems: Problem[] = [];
  const pinned = (path: string[], value: string, table: Record<string, unknown>, what: string): void => {
    if (!(value in table))
      problems.push(
        source.problemAt(
          path,
          `${what} ${value} is not pinned in clusters/versions.yaml${didYouMean(value, Object.keys(table))}`,
        ),
      );
  };
  pinned(['kubernetes'], stack.kubernetes, versions.nodeImages, 'node image for Kubernetes');
  pinned(['cni', 'version'], stack.cni.version, versions.calico, 'Calico');
  if (stack.mesh.mode === 'none' && stack.mesh.istio !== undefined)
    problems.push(source.problemAt(['mesh', 'istio'], 'mesh mode none installs no Istio: remove mesh.istio'));
  if (stack.mesh.mode !== 'none') {
    if (stack.mesh.istio === undefined)
      problems.push(source.problemAt(['mesh'], `mesh mode ${stack.mesh.mode} needs mesh.istio (a version)`));
    else pinned(['mesh', 'istio'], stack.mesh.istio, versions.istio, 'Istio');
  }
  if (problems.length === 0 && stack.kubernetes in versions.nodeImages) {
    const range = supportedRange(stack, versions);
    if (!range || !inRange(stack.kubernetes, range))
      problems.push(
        source.problemAt(
          ['kubernetes'],
          range
            ? `Kubernetes ${stack.kubernetes} is outside what ${range.from.join(' and ')} support: use a node image of 1.${range.low}-1.${range.high}`
            : noKubernetesMessage(stack, versions),
        ),
      );
  }
  return problems;
}

/** Scenario controls must be described in reports/controls.yaml, so reports can name them. */
function checkControls(loaded: LoadedScenario, controls: Controls): Problem[] {
  return loaded.scenario.controls.flatMap((id, index) =>
    controls.has(id)
      ? []
      : [
          loaded.source.problemAt(
            ['controls', index],
            `control "${id}" is not in reports/controls.yaml${didYouMean(id, controls.keys())}`,
          ),
        ],
  );
}

/** The controls file of the catalog root, or gauntlet's own. */
function loadControlsFor(
  root: string,
  display: (file: string) => string,
): { controls?: Controls; problems: Problem[] } {
  const own = join(root, 'reports', 'controls.yaml');
  const file = existsSync(own) ? own : defaultControlsPath;
  try {
    return { controls: parseControls(readFileSync(file, 'utf8'), display(file)), problems: [] };
  } catch (error) {
    const message = error instanceof GauntletError ? error.message : (error as Error).message;
    return { problems: [{ file: display(file), line: 1, column: 1, path: '', message, severity: 'error' }] };
  }
}

/** Warns about probes that no expectation covers on a nightly stack (they would be only observed). */
function coverageWarnings(loaded: LoadedScenario, stacks: readonly Stack[]): Problem[] {
  const warnings: Problem[] = [];
  const { scenario, source } = loaded;
  scenario.probes.forEach((probe, index) => {
    const uncovered: string[] = [];
    for (const stack of stacks) {
      if (!scenarioApplies(scenario, stack)) continue;
      for (const variant of loaded.variants) {
        if (!matchExpectation(probe.expect, stackTraits(stack, variant.admission), variant.name))
          uncovered.push(`${stack.id}/${variant.name}`);
      }
    }
    if (uncovered.length > 0) {
      const shown =
        uncovered.slice(0, 3).join(', ') + (uncovered.length > 3 ? ` and ${uncovered.length - 3} more` : '');
      warnings.push(
        source.problemAt(
          ['probes', index, 'expect'],
          `no expectation matches ${shown}: reported as observed, not judged`,
          {
            severity: 'warning',
          },
        ),
      );
    }
  });
  return warnings;
}

export interface LoadOptions {
  /** Extra scenario folders (or scenario.yaml files) outside the catalog to load too. */
  extraScenarioDirs?: string[];
  /** Problems name files relative to this folder (the user's working directory). */
  displayBase?: string;
  /** The kernel lab's case ids (`<group>/<case>`), so `confidence: lab` expectations are checked to name real ones. */
  labCaseIds?: readonly string[];
}

export function loadCatalog(rootDir: string, options: LoadOptions = {}): CatalogLoad {
  const root = resolve(rootDir);
  const displayBase = options.displayBase ?? process.cwd();
  const display = (file: string): string => relative(displayBase, file) || file;
  const problems: Problem[] = [];

  const versionsFile = join(root, 'clusters', 'versions.yaml');
  const versionsLoad = loadWithSchema(VersionsSchema, versionsFile, display(versionsFile));
  problems.push(...versionsLoad.problems);

  const stacks = new Map<string, Stack>();
  const stackSources = new Map<string, YamlSource>();
  // Stack files that exist but failed validation: not "unknown" elsewhere, just broken (reported once).
  const brokenStacks = new Set<string>();
  const stacksDir = join(root, 'clusters', 'stacks');
  for (const name of existsSync(stacksDir) ? readdirSync(stacksDir).sort() : []) {
    if (!/\.ya?ml$/.test(name)) continue;
    const file = join(stacksDir, name);
    const { value, source, problems: stackProblems } = loadWithSchema(StackSchema, file, display(file));
    problems.push(...stackProblems);
    const expectedId = name.replace(/\.ya?ml$/, '');
    if (!value || !source) {
      brokenStacks.add(expectedId);
      continue;
    }
    if (value.id !== expectedId) {
      problems.push(source.problemAt(['id'], `id "${value.id}" must equal the file name "${expectedId}"`));
      continue;
    }
    if (versionsLoad.value) problems.push(...checkStackVersions(value, source, versionsLoad.value));
    stacks.set(value.id, value);
    stackSources.set(value.id, source);
  }

  const matrixFile = join(root, 'clusters', 'matrix.yaml');
  const matrixLoad = loadWithSchema(MatrixSchema, matrixFile, display(matrixFile));
  problems.push(...matrixLoad.problems);
  let matrixStacks: Stack[] = [];
  if (matrixLoad.value && matrixLoad.source && versionsLoad.value) {
    const matrixSource = matrixLoad.source;
    const stackIds = [...stacks.keys()];
    matrixLoad.value.stacks.forEach((id, index) => {
      if (!stacks.has(id) && !brokenStacks.has(id))
        problems.push(
          matrixSource.problemAt(['stacks', index], `unknown stack "${id}"${didYouMean(id, stackIds)}`),
        );
    });
    matrixLoad.value.axes.forEach((axis, index) => {
      if (!stacks.has(axis.from) && !brokenStacks.has(axis.from))
        problems.push(
          matrixSource.problemAt(
            ['axes', index, 'from'],
            `unknown stack "${axis.from}"${didYouMean(axis.from, stackIds)}`,
          ),
        );
      const versions = versionsLoad.value as Versions;
      axis.calico?.forEach((version, versionIndex) => {
        if (!(version in versions.calico))
          problems.push(
            matrixSource.problemAt(
              ['axes', index, 'calico', versionIndex],
              `Calico ${version} is not pinned in clusters/versions.yaml`,
            ),
          );
      });
      axis.istio?.forEach((version, versionIndex) => {
        if (!(version in versions.istio))
          problems.push(
            matrixSource.problemAt(
              ['axes', index, 'istio', versionIndex],
              `Istio ${version} is not pinned in clusters/versions.yaml`,
            ),
          );
      });
    });
    const expanded = expandMatrix(matrixLoad.value, stacks, versionsLoad.value);
    for (const problem of expanded.problems)
      problems.push(
        matrixSource.problemAt(problem.axis === undefined ? [] : ['axes', problem.axis], problem.message),
      );
    matrixStacks = expanded.stacks;
  }

  const controlsLoad = loadControlsFor(root, display);
  problems.push(...controlsLoad.problems);

  const scenarios = new Map<string, LoadedScenario>();
  const scenarioDirs = listDirectories(join(root, 'scenarios')).map((name) => join(root, 'scenarios', name));
  for (const extra of options.extraScenarioDirs ?? []) {
    const dir = resolve(extra.endsWith('.yaml') ? dirname(extra) : extra);
    if (!scenarioDirs.includes(dir)) scenarioDirs.push(dir);
  }
  for (const dir of scenarioDirs) {
    if (!existsSync(join(dir, 'scenario.yaml'))) {
      problems.push({
        file: display(dir),
        line: 1,
        column: 1,
        path: '',
        message: 'a scenario folder needs a scenario.yaml (or remove the folder)',
        severity: 'error',
      });
      continue;
    }
    const { loaded, problems: scenarioProblems } = loadScenario(dir, displayBase, options.labCaseIds);
    problems.push(...scenarioProblems);
    if (!loaded) continue;
    const existing = scenarios.get(loaded.scenario.id);
    if (existing) {
      problems.push(
        loaded.source.problemAt(
          ['id'],
          `duplicate scenario id "${loaded.scenario.id}" (also in ${display(existing.dir)})`,
        ),
      );
      continue;
    }
    scenarios.set(loaded.scenario.id, loaded);
    if (controlsLoad.controls) problems.push(...checkControls(loaded, controlsLoad.controls));
    problems.push(...coverageWarnings(loaded, matrixStacks));
  }

  if (!versionsLoad.value || !matrixLoad.value) return { problems: sortProblems(problems) };
  return {
    catalog: {
      root,
      stacks,
      stackSources,
      scenarios,
      matrix: matrixLoad.value,
      versions: versionsLoad.value,
      matrixStacks,
    },
    problems: sortProblems(problems),
  };
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((problem) => problem.severity === 'error');
}
