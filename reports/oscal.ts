// oscal-assessment-results.json: the run as a NIST OSCAL 1.0.6 assessment-results document
// (schema: reports/oscal/oscal_assessment-results_schema.json, copied from usnistgov/OSCAL release
// v1.0.6). One result per run (matrix cell); one observation per flow carrying its evidence; one
// finding per control, targeting the control's objective, relating the observations that evidence
// it (passing flows are grouped per scenario variant, failures stand alone); every waiver becomes a risk with status `deviation-approved` (or `open` once expired).
// Each result says where its evidence came from (`evidenceForms`): a cluster is the component its
// observations are about; the kernel lab is no part of any assessed system, so its observations are
// about a back-matter resource describing it, are typed as tests of gauntlet's techniques and make no
// finding on any control.
// UUIDs are name-based (RFC 4122 version 5 layout) so the same results give the same document.
import { createHash } from 'node:crypto';
import type { ProvenanceKind } from '../harness/model/provenance.ts';
import { provenanceWords } from '../harness/model/provenance.ts';
import type { Check, Run } from '../harness/model/results.ts';
import type { RunProvenance } from './provenance-summary.ts';
import { evidencesControls, runProvenance, unverifiedWarning } from './provenance-summary.ts';
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

/**
 * How each kind of evidence is told in OSCAL 1.0.6 (reports/oscal/oscal_assessment-results_schema.json):
 * - `subject`: an observation's `subjects[].type` (definition oscal-assessment-common:subject-reference:
 *   component, inventory-item, location, party, user or resource). A cluster is a `component` of the
 *   result's `local-definitions.components` (oscal-ar:result; oscal-implementation-common:system-component,
 *   whose `type` names `software` and `system`). The kernel lab is neither a component nor an inventory
 *   item of the assessed system: its subject is a `resource` of the document's back-matter
 *   (oscal-metadata:back-matter `resources`) whose description says what the lab is.
 * - `types`: an observation's `types` (oscal-assessment-common:observation: the enum
 *   ssp-statement-issue, control-objective, mitigation, finding, historic, or any token). Cluster
 *   flows bear on a control objective; lab flows get a token of their own, `technique-validation`.
 * - `methods` (same definition: EXAMINE, INTERVIEW, TEST, UNKNOWN) is TEST for every kind: each flow
 *   was exercised and compared with its expectation; the subject and types say what was tested.
 * - `platform`: the lab is also an assessment platform (oscal-assessment-common:assessment-assets
 *   `assessment-platforms`, "the toolset used to perform aspects of the assessment"), named beside
 *   the tool in each observation's `origins[].actors` (oscal-assessment-common:origin-actor `type`:
 *   tool, assessment-platform, party).
 * - `findings`: only evidence about a system makes findings on control objectives (`evidencesControls`).
 */
type EvidenceForm =
  | { subject: 'component'; componentType: 'software' | 'system'; types: string[]; platform: false }
  | { subject: 'resource'; types: string[]; platform: true };

const evidenceForms: Record<ProvenanceKind, EvidenceForm> = {
  'kernel-lab': { subject: 'resource', types: ['technique-validation'], platform: true },
  'kind-cluster': {
    subject: 'component',
    componentType: 'software',
    types: ['control-objective'],
    platform: false,
  },
  'user-cluster': {
    subject: 'component',
    componentType: 'system',
    types: ['control-objective'],
    platform: false,
  },
};

/** What a result's observations share: their subject, how they were made, and by whom. */
interface ObservationFrame {
  subjects: Json[];
  types: string[];
  origins: Json[];
  remarks?: string;
  provenance: ProvenanceKind;
}

function observation(check: Check, answers: Answers, frame: ObservationFrame): Json {
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
      prop('provenance', frame.provenance),
    ]),
    methods: ['TEST'],
    types: frame.types,
    origins: frame.origins,
    subjects: frame.subjects,
    'relevant-evidence': [
      { description: evidenceLines(check).join('\n') },
      ...check.diagnostics.map((file) => ({ href: file, description: `diagnostics: ${file}` })),
    ],
    collected: check.startedAt,
    ...(frame.remarks ? { remarks: frame.remarks } : {}),
  };
}

/** Passing flows of one scenario variant: one observation listing each flow and what it showed. */
function passObservation(
  run: Run,
  key: string,
  checks: readonly Check[],
  answers: Answers,
  frame: ObservationFrame,
): Json {
  const first = checks[0];
  return {
    uuid: nameUuid(`observation:${run.id}:${key}:passed`),
    title: `${run.environment.stack}/${key}: ${plural(checks.length, 'flow')} as expected`,
    description: `Flows of ${key} on ${run.environment.stack} whose verdict matched the scenario's expectation.`,
    props: props([
      prop('outcome', 'pass'),
      prop('flows', String(checks.length)),
      prop('provenance', frame.provenance),
    ]),
    methods: ['TEST'],
    types: frame.types,
    origins: frame.origins,
    subjects: frame.subjects,
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
    ...(frame.remarks ? { remarks: frame.remarks } : {}),
  };
}

/** A result's subject and origins for its evidence, what it defines locally, and its back-matter resource. */
function evidenceFrame(
  run: Run,
  evidence: RunProvenance,
  toolUuid: string,
): { frame: ObservationFrame; components: Json[]; platforms: Json[]; resources: Json[] } {
  const form = evidenceForms[evidence.kind];
  const words = provenanceWords[evidence.kind];
  const subjectUuid = nameUuid(`subject:${run.id}`);
  const provenanceProps = props([prop('provenance', evidence.kind), prop('source', evidence.description)]);
  const tool = { type: 'tool', 'actor-uuid': toolUuid };
  if (form.subject === 'component')
    return {
      frame: {
        subjects: [{ 'subject-uuid': subjectUuid, type: 'component', title: evidence.description }],
        types: form.types,
        origins: [{ actors: [tool] }],
        provenance: evidence.kind,
      },
      components: [
        {
          uuid: subjectUuid,
          type: form.componentType,
          title: evidence.description,
          description: `${run.environment.stackTitle ? `${run.environment.stackTitle}: ` : ''}the flows of this result were ${words.sentence}.`,
          props: provenanceProps,
          status: { state: 'operational' },
        },
      ],
      platforms: [],
      resources: [],
    };
  const platformUuid = nameUuid(`platform:${run.id}`);
  const remarks = `Evidence about gauntlet's techniques, not about any system: these flows were ${words.sentence}. They evidence no control.`;
  return {
    frame: {
      subjects: [{ 'subject-uuid': subjectUuid, type: 'resource', title: evidence.description, remarks }],
      types: form.types,
      origins: [{ actors: [tool, { type: 'assessment-platform', 'actor-uuid': platformUuid }] }],
      remarks,
      provenance: evidence.kind,
    },
    components: [],
    platforms: [
      {
        uuid: platformUuid,
        title: `gauntlet ${words.badge}: ${evidence.description}`,
        props: provenanceProps,
        'uses-components': [{ 'component-uuid': toolUuid }],
      },
    ],
    resources: [
      {
        uuid: subjectUuid,
        title: `gauntlet ${words.badge} (${run.environment.stack}): ${evidence.description}`,
        description: `Not a component or inventory item of any assessed system: the test bench on which gauntlet checks its own techniques. Its flows were ${words.sentence}.`,
        props: provenanceProps,
      },
    ],
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

/** A control's finding in the making: its counts and the observations and risks that evidence it. */
interface ControlEntry {
  summary: ControlSummary;
  observations: string[];
  groups: Set<string>;
  risks: string[];
}

/**
 * A run's observations, risks and, when its evidence is about a system, what each control's finding
 * relates. Failures, waivers and unjudged flows get an observation each; passing flows one per
 * scenario variant, which lists them all (100,000 flows stay a document tools can load). Its own
 * function: the per-check loops keep their optimised code whatever the rest of a result does.
 */
function observeRun(
  run: Run,
  checks: readonly Check[],
  answers: Answers,
  controls: Controls,
  frame: ObservationFrame,
  judgesControls: boolean,
): { observations: Json[]; risks: Json[]; byControl: Map<string, ControlEntry> } {
  const observations: Json[] = [];
  const risks: Json[] = [];
  const byControl = new Map<string, ControlEntry>();
  const passGroups = new Map<string, Check[]>();
  /** Each check's group key, made once (undefined: an observation of its own). */
  const groupKeys: (string | undefined)[] = [];
  for (const check of checks) {
    if (check.outcome !== 'pass' || check.flaky) {
      groupKeys.push(undefined);
      continue;
    }
    const key = `${check.scenario}/${check.variant}`;
    groupKeys.push(key);
    const list = passGroups.get(key);
    if (list) list.push(check);
    else passGroups.set(key, [check]);
  }
  const passUuid = new Map<string, string>();
  for (const [key, list] of passGroups) {
    const observed = passObservation(run, key, list, answers, frame);
    observations.push(observed);
    passUuid.set(key, observed['uuid'] as string);
  }
  for (let index = 0; index < checks.length; index++) {
    const check = checks[index]!;
    const key = groupKeys[index];
    const grouped = key === undefined ? undefined : passUuid.get(key);
    let uuid = grouped;
    if (uuid === undefined) {
      const observed = observation(check, answers, frame);
      observations.push(observed);
      uuid = observed['uuid'] as string;
    }
    const waiverRisk = risk(check);
    if (waiverRisk) risks.push(waiverRisk);
    if (!judgesControls) continue;
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
  return { observations, risks, byControl };
}

function runResult(
  run: Run,
  evidence: RunProvenance,
  checks: readonly Check[],
  answers: Answers,
  controls: Controls,
  toolUuid: string,
): { result: Json; resources: Json[] } {
  const { frame, components, platforms, resources } = evidenceFrame(run, evidence, toolUuid);
  // Only evidence about a system makes findings on its controls (the kernel lab's does not).
  const judgesControls = evidencesControls[evidence.kind];
  const { observations, risks, byControl } = observeRun(
    run,
    checks,
    answers,
    controls,
    frame,
    judgesControls,
  );
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
  const words = provenanceWords[evidence.kind];
  const warning = unverifiedWarning(run);
  const stackText = `stack ${env.stack}${env.stackTitle ? ` (${env.stackTitle})` : ''}`;
  const runProps = [
    prop('run-status', run.status),
    prop('provenance', evidence.kind),
    prop('stack', env.stack),
    prop('kubernetes-version', env.kubernetes),
    prop('calico-version', env.calico?.version),
    prop('calico-dataplane', env.calico?.dataplane),
    prop('istio-version', env.istio?.version),
    prop('mesh-mode', env.mesh),
    prop('pod-security-level', env.admission),
    prop('git-commit', env.gitCommit),
  ];
  for (const what of run.unverifiedDownloads)
    runProps.push(
      prop('unverified-download', what, 'used with nothing to verify it (--allow-unpinned-downloads)'),
    );
  const result = {
    uuid: nameUuid(`result:${run.id}`),
    title: `gauntlet run ${run.id} on ${env.stack} (${words.badge})`,
    description: `${judgesControls ? `Traffic tests of ${stackText}` : `Tests of gauntlet's own techniques, ${stackText}`}: every flow a scenario declares, ${words.sentence}, and judged against its expectation${judgesControls ? '' : '; they assess no system and make no finding on any control'}. Evidence from: ${evidence.description}. Status: ${run.status}${run.error ? ` (${run.error})` : ''}${run.missing.length > 0 ? `; missing: ${run.missing.map((item) => `${item.what} (${item.reason})`).join('; ')}` : ''}.${warning ? ` Warning: ${warning}.` : ''}`,
    start: run.startedAt,
    end: run.finishedAt,
    props: props(runProps),
    ...(env.ciUrl ? { links: [{ href: env.ciUrl, rel: 'related', text: 'CI run' }] } : {}),
    'local-definitions': {
      components: [
        {
          uuid: toolUuid,
          type: 'software',
          title: 'gauntlet',
          description: `gauntlet ${run.gauntletVersion}: attempts real bypasses of network defences and judges every flow against its scenario's expectation`,
          status: { state: 'operational' },
        },
        ...components,
      ],
      ...(platforms.length > 0 ? { 'assessment-assets': { 'assessment-platforms': platforms } } : {}),
    },
    'reviewed-controls': {
      'control-selections': [
        !judgesControls
          ? { description: `No control is reviewed: ${words.badge} flows evidence no control of any system.` }
          : controlIds.length > 0
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
  return { result, resources };
}

/** The document's title: the systems assessed, and apart from them what only tested gauntlet's techniques. */
function documentTitle(model: ReportModel): string {
  const systems = new Set<string>();
  const techniques = new Set<string>();
  for (const run of model.runs) {
    const kind = model.provenance.byRun.get(run.id)?.kind ?? runProvenance(run).kind;
    (evidencesControls[kind] ? systems : techniques).add(run.environment.stack);
  }
  const list = (stacks: Set<string>) => [...stacks].sort().join(', ');
  return [
    systems.size > 0 ? `gauntlet traffic assessment of ${list(systems)}` : '',
    techniques.size > 0
      ? `gauntlet tests of its own techniques outside any cluster (${list(techniques)})`
      : '',
  ]
    .filter(Boolean)
    .join('; ');
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
  const rendered = model.runs.map((run) =>
    runResult(
      run,
      model.provenance.byRun.get(run.id) ?? runProvenance(run),
      checksByRun.get(run.id) ?? [],
      model.answers,
      controls,
      toolUuid,
    ),
  );
  const document = {
    'assessment-results': {
      uuid: nameUuid(`assessment-results:${model.runs.map((run) => run.id).join(',')}`),
      metadata: {
        title: documentTitle(model),
        'last-modified': model.generatedAt,
        version: gauntletVersion,
        'oscal-version': oscalVersion,
        remarks: `Verdict: ${model.verdict}. ${model.headline}. ${model.provenance.sentence}`,
      },
      'import-ap': {
        href: `#${catalogUuid}`,
        remarks:
          "The assessment plan is gauntlet's scenario catalog (scenarios/*/scenario.yaml): each scenario lists its probes, expectations and controls.",
      },
      results: rendered.map((item) => item.result),
      'back-matter': {
        resources: [
          {
            uuid: catalogUuid,
            title: 'gauntlet scenario catalog',
            description: 'The scenarios, probes and expected verdicts that make up the assessment plan.',
          },
          ...rendered.flatMap((item) => item.resources),
        ],
      },
    },
  };
  // Pretty for the sizes people open in an editor; compact beyond, where only tools read it.
  return `${JSON.stringify(document, null, model.checks.length <= oscalPrettyLimit ? 2 : undefined)}\n`;
}
