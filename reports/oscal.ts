// oscal-assessment-results.json: the run as a NIST OSCAL 1.0.6 assessment-results document
// (schema: reports/oscal/oscal_assessment-results_schema.json, copied from usnistgov/OSCAL release
// v1.0.6). One result per run (matrix cell); one observation per flow carrying its evidence; one
// finding per control, targeting the control's objective, relating the observations that evidence
// it (passing flows are grouped per scenario variant, failures stand alone); every waiver becomes a risk with status `deviation-approved` (or `open` once expired).
// UUIDs are name-based (RFC 4122 version 5 layout) so the same results give the same document.
import { createHash } from 'node:crypto';
import type { Check, Run } from '../harness/model/results.ts';
import type { ControlSummary, ReportModel } from './summary-model.ts';
import { emptyCounts, evidenceLines, failureLine, flowTitle, worstOutcome } from './summary-model.ts';
import { describeControl } from '../harness/model/controls.ts';
import type { Controls } from '../harness/model/controls.ts';
import { plural } from '../harness/text/plural.ts';

export const oscalVersion = '1.0.6';
/** Up to this many flows the document is indented. */
export const oscalPrettyLimit = 5000;
/** Namespace of gauntlet's own property names (OSCAL requires `ns` for names it does not define). */
export const gauntletNs = 'urn:gauntlet:oscal';
const namespaceUuid = 'b7f0c1a4-5d2e-4f6a-9c3b-8e1d2a4f6b70';

/** A deterministic UUID (version 5 layout: SHA-1 of a namespace and a name). */
export function nameUuid(name: string): string {
  const hash = createHash('sha1').update(namespaceUuid).update(name).digest('hex');
  const variant = ((parseInt(hash.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
  return `${hash.slice(0, 8)}-${hash.slice(8, 12)}-5${hash.slice(13, 16)}-${variant}${hash.slice(18, 20)}-${hash.slice(20, 32)}`;
}

/**
 * The OSCAL control id: NIST SP 800-53 ids are OSCAL's own (`sc-7.5`); other catalogs' ids start
 * with a digit, which an OSCAL token cannot, so they keep their catalog prefix (`cis-k8s-1.12_5.3.2`).
 */
export function oscalControlId(id: string): string {
  const [catalog = '', control = ''] = id.split(':');
  if (catalog.startsWith('nist-800-53')) return control;
  return `${catalog}_${control}`.replace(/[^\p{L}\p{N}._-]/gu, '_');
}

type Json = Record<string, unknown>;

function prop(name: string, value: string | undefined, remarks?: string): Json | undefined {
  if (value === undefined || value === '') return undefined;
  return { name, ns: gauntletNs, value, ...(remarks ? { remarks } : {}) };
}

function props(list: (Json | undefined)[]): Json[] | undefined {
  const present = list.filter((item): item is Json => item !== undefined);
  return present.length > 0 ? present : undefined;
}

function findingStatus(summary: Pick<ControlSummary, 'counts'>): {
  state: string;
  reason: string;
  remarks?: string;
} {
  const { counts } = summary;
  if (counts['fail-security'] + counts['fail-availability'] > 0)
    return { state: 'not-satisfied', reason: 'fail' };
  if (counts.inconclusive > 0)
    return {
      state: 'not-satisfied',
      reason: 'other',
      remarks: 'some flows could not be judged (inconclusive)',
    };
  if (counts.waived > 0)
    return {
      state: 'not-satisfied',
      reason: 'other',
      remarks: 'failures are covered by approved deviations (waivers)',
    };
  if (counts.pass === 0)
    return {
      state: 'not-satisfied',
      reason: 'other',
      remarks: 'no flow with an expectation evidences this control',
    };
  return { state: 'satisfied', reason: 'pass' };
}

/** Who answered each reached flow (`ReportModel.answers`). */
type Answers = ReadonlyMap<Check, string>;

/** `; answered by: …` for a flow that reached its destination, else nothing. */
function answeredBy(answers: Answers, check: Check): string {
  const answer = answers.get(check);
  return answer === undefined ? '' : `; answered by: ${answer}`;
}

function observation(check: Check, answers: Answers, toolUuid: string, stackUuid: string): Json {
  return {
    uuid: nameUuid(`observation:${check.runId}:${check.testId}`),
    title: check.testId,
    description: `${flowTitle(check)} (${check.technique}): ${check.expectation ? failureLine(check) : `observed ${check.verdict}: ${check.reason}`}${answeredBy(answers, check)}`,
    props: props([
      prop('outcome', check.outcome),
      prop('verdict', check.verdict),
      prop('layer', check.layer),
      prop('technique', check.technique),
      prop('flaky', check.flaky ? 'true' : undefined),
    ]),
    methods: ['TEST'],
    types: ['control-objective'],
    origins: [{ actors: [{ type: 'tool', 'actor-uuid': toolUuid }] }],
    subjects: [{ 'subject-uuid': stackUuid, type: 'component', title: check.stack }],
    'relevant-evidence': [
      { description: evidenceLines(check).join('\n') },
      ...check.diagnostics.map((file) => ({ href: file, description: `diagnostics: ${file}` })),
    ],
    collected: check.startedAt,
  };
}

/** Passing flows of one scenario variant: one observation listing each flow and what it showed. */
function passObservation(
  run: Run,
  key: string,
  checks: readonly Check[],
  answers: Answers,
  toolUuid: string,
  stackUuid: string,
): Json {
  const first = checks[0];
  return {
    uuid: nameUuid(`observation:${run.id}:${key}:passed`),
    title: `${run.environment.stack}/${key}: ${plural(checks.length, 'flow')} as expected`,
    description: `Flows of ${key} on ${run.environment.stack} whose verdict matched the scenario's expectation.`,
    props: props([prop('outcome', 'pass'), prop('flows', String(checks.length))]),
    methods: ['TEST'],
    types: ['control-objective'],
    origins: [{ actors: [{ type: 'tool', 'actor-uuid': toolUuid }] }],
    subjects: [{ 'subject-uuid': stackUuid, type: 'component', title: run.environment.stack }],
    'relevant-evidence': [
      {
        description: checks
          .map(
            (check) =>
              `${check.testId}: ${check.technique} ${check.source.workload} -> ${check.destination.workload}${check.destination.port !== undefined ? `:${check.destination.port}` : ''}: ${check.observation.outcome}, ${check.verdict}${check.layer ? ` at ${check.layer}` : ''}: ${check.reason}${answeredBy(answers, check)}`,
          )
          .join('\n'),
      },
    ],
    collected: first?.startedAt ?? run.startedAt,
  };
}

function risk(check: Check): Json | undefined {
  const { waiver } = check;
  if (!waiver) return undefined;
  return {
    uuid: nameUuid(`risk:${check.runId}:${check.testId}:${waiver.id}`),
    title: `Waiver ${waiver.id}: ${check.testId}`,
    description: waiver.reason,
    statement: `${waiver.waivedOutcome}: ${failureLine(check)}`,
    props: props([
      prop('waiver-id', waiver.id),
      prop('approver', waiver.approver),
      prop('test-pattern', waiver.pattern),
      prop('waiver-status', waiver.status),
    ]),
    status: waiver.status === 'active' ? 'deviation-approved' : 'open',
    deadline: `${waiver.expires}T23:59:59Z`,
  };
}

function runResult(
  run: Run,
  checks: readonly Check[],
  answers: Answers,
  controls: Controls,
  toolUuid: string,
): Json {
  const stackUuid = nameUuid(`stack:${run.environment.stack}`);
  const observations: Json[] = [];
  const risks: Json[] = [];
  const byControl = new Map<
    string,
    { summary: ControlSummary; observations: string[]; groups: Set<string>; risks: string[] }
  >();
  // Failures, waivers and unjudged flows get an observation each; passing flows one per scenario
  // variant, which lists them all (100,000 flows stay a document tools can load).
  const passGroups = new Map<string, Check[]>();
  for (const check of checks) {
    if (check.outcome !== 'pass' || check.flaky) continue;
    const key = `${check.scenario}/${check.variant}`;
    const list = passGroups.get(key);
    if (list) list.push(check);
    else passGroups.set(key, [check]);
  }
  const passUuid = new Map<string, string>();
  for (const [key, list] of passGroups) {
    const observed = passObservation(run, key, list, answers, toolUuid, stackUuid);
    observations.push(observed);
    passUuid.set(key, observed['uuid'] as string);
  }
  for (const check of checks) {
    const grouped =
      check.outcome === 'pass' && !check.flaky
        ? passUuid.get(`${check.scenario}/${check.variant}`)
        : undefined;
    const observed = grouped ? { uuid: grouped } : observation(check, answers, toolUuid, stackUuid);
    if (!grouped) observations.push(observed);
    const waiverRisk = risk(check);
    if (waiverRisk) risks.push(waiverRisk);
    for (const id of check.controls) {
      let entry = byControl.get(id);
      if (!entry)
        byControl.set(
          id,
          (entry = {
            summary: {
              control: describeControl(controls, id),
              counts: emptyCounts(),
              worst: undefined,
              checks: [],
            },
            observations: [],
            groups: new Set<string>(),
            risks: [],
          }),
        );
      entry.summary.counts.total += 1;
      entry.summary.counts[check.outcome] += 1;
      entry.summary.worst = worstOutcome(entry.summary.worst, check.outcome);
      const uuid = observed['uuid'] as string;
      if (
        entry.observations[entry.observations.length - 1] !== uuid &&
        !(grouped && entry.groups.has(uuid))
      ) {
        entry.observations.push(uuid);
        if (grouped) entry.groups.add(uuid);
      }
      if (waiverRisk) entry.risks.push(waiverRisk['uuid'] as string);
    }
  }
  const controlIds = [...byControl.keys()].sort();
  const findings = controlIds.map((id) => {
    const entry = byControl.get(id);
    if (!entry) throw new Error('unreachable');
    const { control, counts } = entry.summary;
    const status = findingStatus(entry.summary);
    return {
      uuid: nameUuid(`finding:${run.id}:${id}`),
      title: `${id}: ${control.title}`,
      description: `${control.evidence || 'Traffic evidence for this control.'} ${counts.total} flows: ${counts.pass} passed, ${counts['fail-security']} security regressions, ${counts['fail-availability']} availability regressions, ${counts.inconclusive} inconclusive, ${counts.waived} waived, ${counts.observed} observed.`,
      props: props([prop('control', id), prop('catalog', `${control.catalogTitle}`)]),
      target: {
        type: 'objective-id',
        'target-id': `${oscalControlId(id)}_obj`,
        status: {
          state: status.state,
          reason: status.reason,
          ...(status.remarks ? { remarks: status.remarks } : {}),
        },
      },
      'related-observations': entry.observations.map((uuid) => ({ 'observation-uuid': uuid })),
      ...(entry.risks.length > 0
        ? { 'related-risks': entry.risks.map((uuid) => ({ 'risk-uuid': uuid })) }
        : {}),
    };
  });
  const env = run.environment;
  return {
    uuid: nameUuid(`result:${run.id}`),
    title: `gauntlet run ${run.id} on ${env.stack}`,
    description: `Traffic tests of stack ${env.stack}${env.stackTitle ? ` (${env.stackTitle})` : ''}: every flow a scenario declares, attacked and judged against its expectation. Status: ${run.status}${run.error ? ` (${run.error})` : ''}${run.missing.length > 0 ? `; missing: ${run.missing.map((item) => `${item.what} (${item.reason})`).join('; ')}` : ''}.`,
    start: run.startedAt,
    end: run.finishedAt,
    props: props([
      prop('run-status', run.status),
      prop('stack', env.stack),
      prop('kubernetes-version', env.kubernetes),
      prop('calico-version', env.calico?.version),
      prop('calico-dataplane', env.calico?.dataplane),
      prop('istio-version', env.istio?.version),
      prop('mesh-mode', env.mesh),
      prop('pod-security-level', env.admission),
      prop('git-commit', env.gitCommit),
    ]),
    ...(env.ciUrl ? { links: [{ href: env.ciUrl, rel: 'related', text: 'CI run' }] } : {}),
    'local-definitions': {
      components: [
        {
          uuid: toolUuid,
          type: 'software',
          title: 'gauntlet',
          description: `gauntlet ${run.gauntletVersion}: attacks the cluster's network defences and judges every flow`,
          status: { state: 'operational' },
        },
        {
          uuid: stackUuid,
          type: 'software',
          title: `stack ${env.stack}`,
          description: env.stackTitle ?? `the cluster stack ${env.stack} under test`,
          status: { state: 'operational' },
        },
      ],
    },
    'reviewed-controls': {
      'control-selections': [
        controlIds.length > 0
          ? {
              description: 'Controls the scenarios of this run evidence with traffic.',
              'include-controls': controlIds.map((id) => ({ 'control-id': oscalControlId(id) })),
            }
          : { description: 'The scenarios of this run named no controls.' },
      ],
    },
    ...(observations.length > 0 ? { observations } : {}),
    ...(risks.length > 0 ? { risks } : {}),
    ...(findings.length > 0 ? { findings } : {}),
  };
}

export function renderOscal(model: ReportModel, controls: Controls, gauntletVersion: string): string {
  const toolUuid = nameUuid('tool:gauntlet');
  const catalogUuid = nameUuid('resource:scenario-catalog');
  const checksByRun = new Map<string, Check[]>();
  for (const check of model.checks) {
    const list = checksByRun.get(check.runId);
    if (list) list.push(check);
    else checksByRun.set(check.runId, [check]);
  }
  const results = model.runs.map((run) =>
    runResult(run, checksByRun.get(run.id) ?? [], model.answers, controls, toolUuid),
  );
  const document = {
    'assessment-results': {
      uuid: nameUuid(`assessment-results:${model.runs.map((run) => run.id).join(',')}`),
      metadata: {
        title: `gauntlet traffic assessment of ${model.stacks.join(', ')}`,
        'last-modified': model.generatedAt,
        version: gauntletVersion,
        'oscal-version': oscalVersion,
        remarks: `Verdict: ${model.verdict}. ${model.headline}.`,
      },
      'import-ap': {
        href: `#${catalogUuid}`,
        remarks:
          "The assessment plan is gauntlet's scenario catalog (scenarios/*/scenario.yaml): each scenario lists its probes, expectations and controls.",
      },
      results,
      'back-matter': {
        resources: [
          {
            uuid: catalogUuid,
            title: 'gauntlet scenario catalog',
            description: 'The scenarios, probes and expected verdicts that make up the assessment plan.',
          },
        ],
      },
    },
  };
  // Pretty for the sizes people open in an editor; compact beyond, where only tools read it.
  return `${JSON.stringify(document, null, model.checks.length <= oscalPrettyLimit ? 2 : undefined)}\n`;
}
