// junit.xml for CI test-report UIs. One testsuite per matrix cell (stack) and scenario, one testcase
// per probe and variant. The attributes are the ones the consumers read:
// - dorny/test-reporter src/parsers/java-junit/java-junit-parser.ts: testsuite@name (required, it
//   calls .trim()), @time; testcase@classname, @name, @time; failure@message and its text.
// - mikepenz/action-junit-report src/testParser.ts: testcase@name, @classname, @file, @time;
//   failure/error@message and text; <skipped> counts as skipped, never failed.
// - jenkinsci/junit-plugin src/main/java/hudson/tasks/junit/CaseResult.java: testcase@name,
//   @classname, @time; error/failure@message and text; skipped@message; system-out; testcase
//   <properties><property name value> (kept with keepProperties).
// `error` is only for inconclusive flows (the harness, not the network, failed); a waived failure is
// `skipped` with the waiver; a failure's message is one line, expected vs actual. Every suite and
// testcase says where its evidence came from (`gauntlet.provenance`: kernel-lab, kind-cluster or
// user-cluster); a run that used downloads nothing verified says so in its suites' system-err.
import type { Check, Run } from '../harness/model/results.ts';
import type { CheckOutcome } from '../harness/model/verdict.ts';
import type { RunProvenance } from './provenance-summary.ts';
import { checkProvenance, runProvenance, unverifiedWarning } from './provenance-summary.ts';
import type { ReportModel } from './summary-model.ts';
import { destinationText, evidenceLines, expectedText, failureLine } from './summary-model.ts';
import type { XmlElement } from './xml.ts';
import { escapeXmlAttribute, escapeXmlText, serializeElement, serializeXml } from './xml.ts';

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** The JUnit XSD's timestamp has no zone (windyroad/JUnit-Schema JUnit.xsd); ours is UTC. */
function junitTimestamp(iso: string): string {
  return iso.slice(0, 19);
}

function property(name: string, value: string | undefined): XmlElement | undefined {
  return value === undefined || value === '' ? undefined : { name: 'property', attributes: { name, value } };
}

function present<T>(items: (T | undefined)[]): T[] {
  return items.filter((item): item is T => item !== undefined);
}

function runProperties(
  run: Run | undefined,
  evidence: RunProvenance,
  stack: string,
  scenarioTitle: string,
): XmlElement[] {
  const environment = run?.environment;
  return present([
    property('stack', stack),
    property('gauntlet.provenance', evidence.kind),
    property('gauntlet.provenance.source', evidence.description),
    property('scenario.title', scenarioTitle),
    property('matrix.cell', environment?.matrixCell),
    property('kubernetes.version', environment?.kubernetes),
    property('kind.version', environment?.kind),
    property('calico.version', environment?.calico?.version),
    property('calico.dataplane', environment?.calico?.dataplane),
    property('istio.version', environment?.istio?.version),
    property('mesh.mode', environment?.mesh),
    property('pod-security.level', environment?.admission),
    property('gauntlet.version', run?.gauntletVersion),
    property('run.id', run?.id),
    property('run.status', run?.status),
    property('git.commit', environment?.gitCommit),
    property('ci.url', environment?.ciUrl),
    ...(run?.unverifiedDownloads ?? []).map((what) => property('gauntlet.unverified-download', what)),
  ]);
}

/** A suite's warnings, after its testcases: the downloads its run could not verify. */
function runWarnings(run: Run | undefined): XmlElement[] {
  const warning = run && unverifiedWarning(run);
  return warning ? [{ name: 'system-err', text: `warning: ${warning}` }] : [];
}

/** `probe (variant): source → destination, expect …`: the flow's title with its variant. */
export function testcaseName(check: Check): string {
  const expect = check.expectation ? `expect ${expectedText(check)}` : 'observed only';
  return `${check.probe} (${check.variant}): ${check.source.workload} → ${destinationText(check)}, ${expect}`;
}

/** One `<property>` line of a testcase (nothing when the value is empty). */
function propertyLine(name: string, value: string | undefined): string {
  return value === undefined || value === ''
    ? ''
    : `\n        <property name="${name}" value="${escapeXmlAttribute(value)}"/>`;
}

/** What a failing, unjudged, waived or observed testcase says after its properties. */
function outcomeElement(check: Check, outcome: Exclude<CheckOutcome, 'pass'>): XmlElement {
  const evidence = evidenceLines(check).join('\n');
  switch (outcome) {
    case 'fail-security':
    case 'fail-availability':
      return {
        name: 'failure',
        attributes: {
          message: `${outcome === 'fail-security' ? 'security regression' : 'availability regression'}: ${failureLine(check)}${check.waiver?.status === 'expired' ? ` (waiver ${check.waiver.id} expired ${check.waiver.expires})` : ''}`,
          type: outcome,
        },
        text: evidence,
      };
    case 'inconclusive':
      return {
        name: 'error',
        attributes: { message: `inconclusive: ${check.reason}`, type: 'inconclusive' },
        text: evidence,
      };
    case 'waived':
      return {
        name: 'skipped',
        attributes: {
          message: `waived by ${check.waiver?.id ?? '?'} (approved by ${check.waiver?.approver ?? '?'}, expires ${check.waiver?.expires ?? '?'}): ${check.waiver?.reason ?? ''}; ${failureLine(check)}`,
        },
      };
    case 'observed':
      return { name: 'system-out', text: evidence };
  }
}

/** What a testcase says after its properties, as text: its failure, error, skip or output. */
function outcomeText(check: Check): string {
  const { outcome } = check;
  // A passing flow's evidence stays in results.json and report.html (100,000 of them would bury the
  // rest): one line of output with its verdict, written directly.
  if (outcome === 'pass')
    return `      <system-out>${escapeXmlText(`${check.verdict}${check.layer ? ` at ${check.layer}` : ''}: ${check.reason}`)}</system-out>`;
  const text = serializeElement(outcomeElement(check, outcome), '      ');
  // A waived flow's evidence follows its skip, as output.
  return outcome === 'waived'
    ? `${text}\n${serializeElement({ name: 'system-out', text: evidenceLines(check).join('\n') }, '      ')}`
    : text;
}

/** What every testcase of one suite shares, escaped once: its scenario's attributes, repeated property lines. */
interface SuiteText {
  /** `classname="…"`, the same scenario for the whole suite. */
  classname: string;
  /** `file="…"`. */
  file: string;
  /** Property lines by value: controls and provenance kinds repeat across testcases. */
  controls: Map<string, string>;
  provenance: Map<string, string>;
  /** Answer lines, shared by the whole document: the same answer recurs across suites. */
  answers: Map<string, string>;
}

function sharedLine(lines: Map<string, string>, name: string, value: string): string {
  let line = lines.get(value);
  if (line === undefined) lines.set(value, (line = propertyLine(name, value)));
  return line;
}

/**
 * One testcase as text, indented for its suite. Written without a tree: 100,000 testcases are most
 * of junit.xml (the same lines serializeElement would write).
 */
function testcase(check: Check, answer: string | undefined, source: RunProvenance, suite: SuiteText): string {
  // A pass carries only its id, its provenance, who answered and its controls (its verdict is in
  // system-out, other flows' evidence says who answered too): 100,000 flows stay small.
  let properties =
    propertyLine('test.id', check.testId) + sharedLine(suite.provenance, 'gauntlet.provenance', source.kind);
  if (check.outcome !== 'pass')
    properties +=
      propertyLine('outcome', check.outcome) +
      propertyLine('verdict', check.verdict) +
      propertyLine('layer', check.layer) +
      propertyLine('technique', check.technique);
  if (answer !== undefined) properties += sharedLine(suite.answers, 'gauntlet.answer', answer);
  for (const control of check.controls) properties += sharedLine(suite.controls, 'control', control);
  return `    <testcase ${suite.classname} name="${escapeXmlAttribute(testcaseName(check))}" time="${seconds(check.durationMs)}" ${suite.file}>
      <properties>${properties}
      </properties>
${outcomeText(check)}
    </testcase>`;
}

/**
 * A suite's testcases (one scenario on one stack) as text, in chunks of joined testcases: each
 * testcase's text dies young, and the document's one join copies each chunk once.
 */
function testcases(checks: readonly Check[], model: ReportModel, answers: Map<string, string>): string[] {
  const scenario = checks[0]?.scenario ?? '';
  const suite: SuiteText = {
    classname: `classname="${escapeXmlAttribute(scenario)}"`,
    file: `file="${escapeXmlAttribute(`scenarios/${scenario}/scenario.yaml`)}"`,
    controls: new Map(),
    provenance: new Map(),
    answers,
  };
  const chunks: string[] = [];
  let lines: string[] = [];
  for (const check of checks) {
    lines.push(testcase(check, model.answers.get(check), checkProvenance(model.provenance, check), suite));
    if (lines.length === 256) {
      chunks.push(lines.join('\n'));
      lines = [];
    }
  }
  if (lines.length > 0) chunks.push(lines.join('\n'));
  return chunks;
}

interface SuiteTotals {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  timeMs: number;
}

function totals(checks: readonly Check[]): SuiteTotals {
  const result = { tests: 0, failures: 0, errors: 0, skipped: 0, timeMs: 0 };
  for (const check of checks) {
    result.tests += 1;
    result.timeMs += check.durationMs;
    if (check.outcome === 'fail-security' || check.outcome === 'fail-availability') result.failures += 1;
    else if (check.outcome === 'inconclusive') result.errors += 1;
    else if (check.outcome === 'waived') result.skipped += 1;
  }
  return result;
}

export function renderJunit(model: ReportModel): string {
  const runsById = new Map(model.runs.map((run) => [run.id, run]));
  const runsByStack = new Map(model.runs.map((run) => [run.environment.stack, run]));
  const suites = new Map<string, Check[]>();
  for (const check of model.checks) {
    const key = `${check.stack} / ${check.scenario}`;
    const list = suites.get(key);
    if (list) list.push(check);
    else suites.set(key, [check]);
  }
  const children: XmlElement[] = [];
  const answerLines = new Map<string, string>();
  let id = 0;
  for (const [name, checks] of [...suites].sort(([a], [b]) => a.localeCompare(b))) {
    const first = checks[0];
    if (!first) continue;
    const run = runsById.get(first.runId) ?? runsByStack.get(first.stack);
    const evidence = checkProvenance(model.provenance, first);
    const sum = totals(checks);
    children.push({
      name: 'testsuite',
      attributes: {
        name,
        id: id++,
        package: first.stack,
        tests: sum.tests,
        failures: sum.failures,
        errors: sum.errors,
        skipped: sum.skipped,
        time: seconds(sum.timeMs),
        timestamp: junitTimestamp(
          checks.reduce((min, check) => (check.startedAt < min ? check.startedAt : min), first.startedAt),
        ),
        hostname: first.stack,
      },
      children: [
        { name: 'properties', children: runProperties(run, evidence, first.stack, first.scenarioTitle) },
      ],
      raw: testcases(checks, model, answerLines),
      tail: runWarnings(run),
    });
  }
  // A broken or partial run gets a suite of its own with an error, so CI never shows it green.
  for (const run of model.runs) {
    if (run.status === 'complete') continue;
    const what =
      run.status === 'broken'
        ? `the run broke: ${run.error ?? 'no error recorded'}`
        : `the run is partial: ${run.missing.map((item) => `${item.what} (${item.reason})`).join('; ') || 'missing items not recorded'}`;
    children.push({
      name: 'testsuite',
      attributes: {
        name: `${run.environment.stack} / run`,
        id: id++,
        package: run.environment.stack,
        tests: 1,
        failures: 0,
        errors: 1,
        skipped: 0,
        time: seconds(Date.parse(run.finishedAt) - Date.parse(run.startedAt)),
        timestamp: junitTimestamp(run.startedAt),
        hostname: run.environment.stack,
      },
      children: [
        {
          name: 'properties',
          children: runProperties(run, runProvenance(run), run.environment.stack, ''),
        },
        {
          name: 'testcase',
          attributes: { classname: 'run', name: `run ${run.id} ${run.status}`, time: '0.000' },
          children: [{ name: 'error', attributes: { message: what, type: `run-${run.status}` }, text: what }],
        },
      ],
    });
  }
  const all = totals(model.checks);
  const runErrors = model.runs.filter((run) => run.status !== 'complete').length;
  const started = model.runs.map((run) => run.startedAt).sort()[0] ?? model.generatedAt;
  return serializeXml({
    name: 'testsuites',
    attributes: {
      name: 'gauntlet',
      tests: all.tests + runErrors,
      failures: all.failures,
      errors: all.errors + runErrors,
      skipped: all.skipped,
      time: seconds(all.timeMs),
      timestamp: junitTimestamp(started),
    },
    children,
  });
}
