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
// `skipped` with the waiver; a failure's message is one line, expected vs actual.
import type { Check, Run } from '../harness/model/results.ts';
import type { ReportModel } from './summary-model.ts';
import { evidenceLines, expectedText, failureLine, flowTitle } from './summary-model.ts';
import type { XmlElement } from './xml.ts';
import { serializeElement, serializeXml } from './xml.ts';

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

function runProperties(run: Run | undefined, stack: string, scenarioTitle: string): XmlElement[] {
  const environment = run?.environment;
  return present([
    property('stack', stack),
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
  ]);
}

export function testcaseName(check: Check): string {
  const expect = check.expectation ? `expect ${expectedText(check)}` : 'observed only';
  return `${flowTitle(check).replace(/^[^:]+/, `${check.probe} (${check.variant})`)}, ${expect}`;
}

function testcase(check: Check, answer: string | undefined): XmlElement {
  // A passing flow's evidence stays in results.json and report.html: 100,000 of them would bury the rest.
  const evidence = check.outcome === 'pass' ? '' : evidenceLines(check).join('\n');
  const children: XmlElement[] = [
    {
      name: 'properties',
      // A pass carries only its id, who answered and its controls (its verdict is in system-out,
      // other flows' evidence says who answered too): 100,000 flows stay small.
      children: present([
        property('test.id', check.testId),
        ...(check.outcome === 'pass'
          ? []
          : [
              property('outcome', check.outcome),
              property('verdict', check.verdict),
              property('layer', check.layer),
              property('technique', check.technique),
            ]),
        property('gauntlet.answer', answer),
        ...check.controls.map((control) => property('control', control)),
      ]),
    },
  ];
  switch (check.outcome) {
    case 'fail-security':
    case 'fail-availability':
      children.push({
        name: 'failure',
        attributes: {
          message: `${check.outcome === 'fail-security' ? 'security regression' : 'availability regression'}: ${failureLine(check)}${check.waiver?.status === 'expired' ? ` (waiver ${check.waiver.id} expired ${check.waiver.expires})` : ''}`,
          type: check.outcome,
        },
        text: evidence,
      });
      break;
    case 'inconclusive':
      children.push({
        name: 'error',
        attributes: { message: `inconclusive: ${check.reason}`, type: 'inconclusive' },
        text: evidence,
      });
      break;
    case 'waived':
      children.push({
        name: 'skipped',
        attributes: {
          message: `waived by ${check.waiver?.id ?? '?'} (approved by ${check.waiver?.approver ?? '?'}, expires ${check.waiver?.expires ?? '?'}): ${check.waiver?.reason ?? ''}; ${failureLine(check)}`,
        },
      });
      children.push({ name: 'system-out', text: evidence });
      break;
    case 'observed':
      children.push({ name: 'system-out', text: evidence });
      break;
    default:
      children.push({
        name: 'system-out',
        text: `${check.verdict}${check.layer ? ` at ${check.layer}` : ''}: ${check.reason}`,
      });
  }
  return {
    name: 'testcase',
    attributes: {
      classname: check.scenario,
      name: testcaseName(check),
      time: seconds(check.durationMs),
      file: `scenarios/${check.scenario}/scenario.yaml`,
    },
    children,
  };
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
  const runsByStack = new Map(model.runs.map((run) => [run.environment.stack, run]));
  const suites = new Map<string, Check[]>();
  for (const check of model.checks) {
    const key = `${check.stack} / ${check.scenario}`;
    const list = suites.get(key);
    if (list) list.push(check);
    else suites.set(key, [check]);
  }
  const children: XmlElement[] = [];
  let id = 0;
  for (const [name, checks] of [...suites].sort(([a], [b]) => a.localeCompare(b))) {
    const first = checks[0];
    if (!first) continue;
    const run = runsByStack.get(first.stack);
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
      children: [{ name: 'properties', children: runProperties(run, first.stack, first.scenarioTitle) }],
      raw: checks.map((check) => serializeElement(testcase(check, model.answers.get(check)), '    ')),
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
        { name: 'properties', children: runProperties(run, run.environment.stack, '') },
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
