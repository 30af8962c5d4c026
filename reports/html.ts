// report.html: one self-contained page for engineers and auditors (no network, no external assets).
// The scenario x stack grid with a legend, defence in depth per scenario (which layer stopped which
// flow), controls with the flows that evidence them, and every flow with filters and a drill-down.
// The flows travel as a compact data block (reports/html-data.ts) rendered by an inline script.
import type { ProvenanceKind } from '../harness/model/provenance.ts';
import { provenanceWords } from '../harness/model/provenance.ts';
import type { Check, Run } from '../harness/model/results.ts';
import type { CheckOutcome } from '../harness/model/verdict.ts';
import { checkOutcomes, layers } from '../harness/model/verdict.ts';
import { controlsNote, provenanceKinds, unverifiedWarning } from './provenance-summary.ts';
import { buildHtmlData, scriptJson } from './html-data.ts';
import { htmlScript } from './html-script.ts';
import type { ReportModel } from './summary-model.ts';
import { failureLine, flowTitle, gridKey, outcomeLabels, knownCountsText } from './summary-model.ts';
import { plural } from '../harness/text/plural.ts';

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Each provenance kind's colour: an outlined badge, never mistaken for an outcome's filled one. */
const provenanceColours: Record<ProvenanceKind, string> = {
  'kernel-lab': '#00796b',
  'kind-cluster': '#3949ab',
  'user-cluster': '#37474f',
};

const css = `
:root { --pass:#2e7d32; --sec:#c62828; --avail:#e65100; --inc:#616161; --obs:#1565c0; --waived:#b28704;
  --np:#1e88e5; --l4:#8e24aa; --l7:#5e35b1; --adm:#d84315; --cap:#6d4c41; --reached:#c62828; --ink:#1f2328; --muted:#59636e; --line:#d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); margin: 0; background: #f6f8fa; }
header { background: #fff; border-bottom: 1px solid var(--line); padding: 20px 32px; }
main { padding: 8px 32px 48px; max-width: 1500px; }
h1 { margin: 0 0 6px; font-size: 22px; } h2 { margin: 28px 0 8px; font-size: 18px; } h4 { margin: 10px 0 4px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 4px 20px 16px; margin-top: 16px; }
.verdict { display: inline-block; padding: 3px 12px; border-radius: 14px; color: #fff; font-weight: 600; margin-right: 10px; text-transform: uppercase; font-size: 13px; }
.v-passed { background: var(--pass); } .v-failed { background: var(--sec); } .v-inconclusive { background: var(--inc); }
.v-incomplete { background: var(--waived); } .v-broken { background: #000; }
.muted, .note { color: var(--muted); } .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12.5px; }
table { border-collapse: collapse; width: 100%; } th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
.cards { display: flex; gap: 10px; flex-wrap: wrap; margin: 12px 0; }
.card { border: 1px solid var(--line); border-left: 5px solid; border-radius: 4px; padding: 6px 14px; min-width: 130px; background: #fff; }
.card b { display: block; font-size: 20px; }
.o-pass { border-color: var(--pass); } .o-fail-security { border-color: var(--sec); } .o-fail-availability { border-color: var(--avail); }
.o-inconclusive { border-color: var(--inc); } .o-observed { border-color: var(--obs); } .o-waived { border-color: var(--waived); }
.badge { display: inline-block; border-radius: 10px; padding: 0 8px; color: #fff; font-size: 12px; white-space: nowrap; }
.badge.o-pass, .g-pass { background: var(--pass); } .badge.o-fail-security, .g-fail-security { background: var(--sec); }
.badge.o-fail-availability, .g-fail-availability { background: var(--avail); } .badge.o-inconclusive, .g-inconclusive { background: var(--inc); }
.badge.o-observed, .g-observed { background: var(--obs); } .badge.o-waived, .g-waived { background: var(--waived); }
.grid td.g { color: #fff; text-align: center; cursor: pointer; font-weight: 600; } .grid td.na { color: var(--muted); text-align: center; }
.legend { display: flex; gap: 14px; flex-wrap: wrap; margin: 8px 0; font-size: 13px; } .legend span::before { content: ""; display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; background: var(--c); }
.layer { display: inline-block; border-radius: 3px; padding: 0 6px; color: #fff; font-size: 12px; white-space: nowrap; }
.l-network-policy { background: var(--np); } .l-mesh-l4 { background: var(--l4); } .l-mesh-l7 { background: var(--l7); }
.l-admission { background: var(--adm); } .l-capability { background: var(--cap); } .l-reached { background: var(--reached); } .l-none { background: var(--inc); }
.bar { display: flex; height: 18px; border-radius: 3px; overflow: hidden; min-width: 240px; } .bar span { display: block; height: 100%; }
table.depth td.cell { color: #fff; text-align: center; font-size: 12px; } table.depth td.cell.o-pass { box-shadow: inset 0 0 0 2px #fff; }
table.depth td.cell.o-fail-security, table.depth td.cell.o-fail-availability { outline: 3px solid #000; outline-offset: -3px; }
.filters { display: flex; gap: 12px; flex-wrap: wrap; align-items: center; margin: 8px 0 12px; }
.chip { border: 1px solid var(--line); border-radius: 14px; padding: 2px 10px; cursor: pointer; user-select: none; background: #fff; }
.chip input { margin: 0 5px 0 0; vertical-align: -1px; }
button { border: 1px solid var(--line); background: #f6f8fa; border-radius: 6px; padding: 3px 10px; cursor: pointer; }
select, input[type=search] { border: 1px solid var(--line); border-radius: 6px; padding: 3px 6px; max-width: 320px; }
tr.flow { cursor: pointer; } tr.flow:hover, tr.flow.open { background: #f3f6fb; } tr.detail td { background: #fbfcfe; }
td.controls { font-family: ui-monospace, monospace; font-size: 11.5px; color: var(--muted); max-width: 260px; }
dl { display: grid; grid-template-columns: 140px 1fr; gap: 2px 12px; margin: 6px 0; } dt { color: var(--muted); } dd { margin: 0; }
pre.evidence { background: #f6f8fa; border: 1px solid var(--line); padding: 8px; white-space: pre-wrap; font-size: 12px; max-height: 360px; overflow: auto; }
.warn { border-left: 5px solid var(--sec); background: #fff5f5; padding: 8px 14px; margin: 10px 0; }
.warn-line { color: var(--sec); font-weight: 600; margin-top: 3px; }
.prov { display: inline-block; border: 1.5px solid var(--pc); color: var(--pc); border-radius: 3px; padding: 0 6px; font-size: 12px; font-weight: 600; white-space: nowrap; background: #fff; }
${provenanceKinds.map((kind) => `.p-${kind} { --pc: ${provenanceColours[kind]}; }`).join(' ')}
.evidence-kinds { margin-top: 6px; }
@media print { header, section { border: 0; } .filters, #more { display: none; } }
`;

const outcomeVars: { [K in CheckOutcome]: string } = {
  pass: '--pass',
  'fail-security': '--sec',
  'fail-availability': '--avail',
  inconclusive: '--inc',
  observed: '--obs',
  waived: '--waived',
};

const layerVars: Record<string, string> = {
  'network-policy': '--np',
  'mesh-l4': '--l4',
  'mesh-l7': '--l7',
  admission: '--adm',
  capability: '--cap',
  reached: '--reached',
  undecided: '--inc',
};

function provenanceBadge(kind: ProvenanceKind): string {
  return `<span class="prov p-${kind}">${escapeHtml(provenanceWords[kind].badge)}</span>`;
}

/** The badges of the kinds a stack's runs and flows came from. */
function stackBadges(model: ReportModel, stack: string): string {
  return (model.provenance.stackKinds.get(stack) ?? [])
    .map((kind) => `<br>${provenanceBadge(kind)}`)
    .join('');
}

function runStatus(run: Run): string {
  const warning = unverifiedWarning(run);
  return `${escapeHtml(run.status)}${run.error ? `: ${escapeHtml(run.error)}` : ''}${warning ? `<div class="warn-line">⚠ ${escapeHtml(warning)}</div>` : ''}`;
}

function runsTable(model: ReportModel): string {
  const rows = model.runs.map((run) => {
    const env = run.environment;
    const evidence = model.provenance.byRun.get(run.id);
    const link = env.ciUrl
      ? `<a href="${escapeHtml(env.ciUrl)}">${escapeHtml(run.id)}</a>`
      : escapeHtml(run.id);
    return `<tr><td class="mono">${escapeHtml(env.stack)}</td><td>${evidence ? `${provenanceBadge(evidence.kind)} ${escapeHtml(evidence.description)}` : ''}</td><td>${escapeHtml(env.kubernetes ?? '')}</td><td>${escapeHtml(env.kind ?? '')}</td><td>${escapeHtml(env.calico ? `${env.calico.version}${env.calico.dataplane ? ` (${env.calico.dataplane})` : ''}` : '')}</td><td>${escapeHtml(env.istio?.version ?? '')}</td><td>${escapeHtml(env.mesh ?? '')}</td><td>${escapeHtml(env.admission ?? '')}</td><td class="mono">${link}</td><td>${escapeHtml(run.startedAt)} → ${escapeHtml(run.finishedAt)}</td><td class="mono">${escapeHtml(env.gitCommit?.slice(0, 12) ?? '')}</td><td>${runStatus(run)}</td></tr>`;
  });
  return `<table><thead><tr><th>Stack</th><th>Evidence from</th><th>Kubernetes</th><th>kind</th><th>Calico</th><th>Istio</th><th>Mesh</th><th>Pod Security</th><th>Run</th><th>Time (UTC)</th><th>Commit</th><th>Status</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function legend(): string {
  return `<div class="legend">${checkOutcomes.map((outcome) => `<span style="--c:var(${outcomeVars[outcome]})">${escapeHtml(outcomeLabels[outcome])}</span>`).join('')}</div>`;
}

function grid(model: ReportModel): string {
  const head = `<tr><th>Scenario</th>${model.stacks.map((stack) => `<th class="mono">${escapeHtml(stack)}${stackBadges(model, stack)}</th>`).join('')}</tr>`;
  const rows = model.scenarios.map((scenario) => {
    const cells = model.stacks.map((stack) => {
      const cell = model.grid.get(gridKey(scenario.id, stack));
      if (!cell?.worst) return '<td class="na">—</td>';
      const { counts, worst } = cell;
      const text =
        worst === 'pass' || worst === 'observed'
          ? counts.pass > 0
            ? `${counts.pass}/${counts.pass} pass${counts.observed ? ` +${counts.observed} observed` : ''}`
            : `${counts.observed} observed`
          : `${counts[worst]} ${outcomeLabels[worst]}`;
      return `<td class="g g-${worst}" data-scenario="${escapeHtml(scenario.id)}" data-stack="${escapeHtml(stack)}" title="${escapeHtml(`${counts.total} flows: ${counts.pass} pass, ${counts['fail-security']} security, ${counts['fail-availability']} availability, ${counts.inconclusive} inconclusive, ${counts.waived} waived, ${counts.observed} observed`)}">${escapeHtml(text)}</td>`;
    });
    return `<tr><td><b class="mono">${escapeHtml(scenario.id)}</b><br><span class="muted">${escapeHtml(scenario.title)}</span></td>${cells.join('')}</tr>`;
  });
  return `<table class="grid"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`;
}

/** Per scenario, how many flows each layer stopped and how many got through. */
function depthBars(model: ReportModel): string {
  const tally = new Map<string, Record<string, number>>();
  for (const check of model.checks) {
    let counts = tally.get(check.scenario);
    if (!counts) tally.set(check.scenario, (counts = {}));
    const key =
      check.verdict === 'blocked'
        ? (check.layer ?? 'undecided')
        : check.verdict === 'reached'
          ? 'reached'
          : 'undecided';
    counts[key] = (counts[key] ?? 0) + 1;
  }
  const keys = [...layers, 'reached', 'undecided'];
  const rows = model.scenarios.map((scenario) => {
    const counts = tally.get(scenario.id) ?? {};
    const total = Object.values(counts).reduce((sum, value) => sum + value, 0) || 1;
    const bar = keys
      .filter((key) => (counts[key] ?? 0) > 0)
      .map(
        (key) =>
          `<span style="width:${(((counts[key] ?? 0) / total) * 100).toFixed(2)}%;background:var(${layerVars[key] ?? '--inc'})" title="${escapeHtml(`${key}: ${counts[key] ?? 0}`)}"></span>`,
      )
      .join('');
    const text = keys
      .filter((key) => (counts[key] ?? 0) > 0)
      .map(
        (key) =>
          `${key === 'reached' ? 'reached' : key === 'undecided' ? 'no layer told' : `stopped by ${key}`} ${counts[key] ?? 0}`,
      )
      .join(' · ');
    return `<tr><td class="mono">${escapeHtml(scenario.id)}</td><td><div class="bar">${bar}</div></td><td class="muted">${escapeHtml(text)}</td></tr>`;
  });
  const legendItems = keys
    .map(
      (key) =>
        `<span style="--c:var(${layerVars[key] ?? '--inc'})">${escapeHtml(key === 'undecided' ? 'blocked, layer not told / inconclusive' : key)}</span>`,
    )
    .join('');
  const options = model.scenarios
    .map((scenario) => `<option value="${escapeHtml(scenario.id)}">${escapeHtml(scenario.id)}</option>`)
    .join('');
  return `<div class="legend">${legendItems}</div><table><thead><tr><th>Scenario</th><th>Flows by deciding layer</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table>
<h4>Flow × stack: which layer stopped it <select id="depth-scenario">${options}</select></h4>
<p class="note">Each cell is one flow on one stack, coloured by the layer that stopped it (red: it got through). A black frame marks a regression; hover for the reason.</p>
<div id="depth-matrix"></div>`;
}

function controlsTable(model: ReportModel): string {
  if (model.controls.length === 0) return '<p class="muted">No flow in these results names a control.</p>';
  const rows = model.controls.map((summary) => {
    const { control, counts, worst } = summary;
    const failed = counts['fail-security'] + counts['fail-availability'];
    return `<tr><td class="mono">${escapeHtml(control.id)}</td><td><b>${escapeHtml(control.title)}</b><br><span class="muted">${escapeHtml(control.catalogTitle)}</span>${control.unverified ? `<br><span class="note">unverified: ${escapeHtml(control.unverified)}</span>` : ''}</td><td>${escapeHtml(control.evidence)}</td><td>${counts.total}</td><td>${counts.pass}</td><td>${failed}</td><td>${counts.waived}</td><td>${worst ? `<span class="badge o-${worst}">${escapeHtml(outcomeLabels[worst])}</span>` : ''}</td><td><a href="#flows-section" data-filter-control="${escapeHtml(control.id)}">show flows</a></td></tr>`;
  });
  return `<table><thead><tr><th>Control</th><th>Title</th><th>What the traffic shows</th><th>Flows</th><th>Passed</th><th>Failed</th><th>Waived</th><th>Worst</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function waivers(model: ReportModel): string {
  const list = [...model.waived, ...model.expiredWaivers];
  if (list.length === 0) return '';
  const rows = list
    .slice(0, 500)
    .map(
      (check: Check) =>
        `<tr><td class="mono">${escapeHtml(check.testId)}</td><td>${escapeHtml(check.waiver?.id ?? '')}</td><td>${check.waiver?.status === 'expired' ? '<b>expired: counts again</b>' : 'active'}</td><td>${escapeHtml(check.waiver?.approver ?? '')}</td><td>${escapeHtml(check.waiver?.expires ?? '')}</td><td>${escapeHtml(check.waiver?.reason ?? '')}</td><td>${escapeHtml(failureLine(check))}</td></tr>`,
    );
  return `<section><h2>Waivers (approved deviations)</h2><table><thead><tr><th>Test id</th><th>Waiver</th><th>Status</th><th>Approver</th><th>Expires</th><th>Reason</th><th>Failure it covers</th></tr></thead><tbody>${rows.join('')}</tbody></table>${list.length > 500 ? `<p class="note">${list.length - 500} more in results.json.</p>` : ''}</section>`;
}

function problems(model: ReportModel): string {
  const items = [
    ...model.broken.map((item) => `run ${item.runId} on ${item.stack} broke: ${item.error}`),
    ...model.missing.slice(0, 200).map((item) => `missing on ${item.stack}: ${item.what} (${item.reason})`),
    ...model.runs
      .filter((run) => run.status === 'partial' && run.missing.length === 0)
      .map(
        (run) => `run ${run.id} on ${run.environment.stack} is partial (what is missing was not recorded)`,
      ),
    ...model.runs.flatMap((run) => unverifiedWarning(run) ?? []),
  ];
  if (items.length === 0) return '';
  return `<div class="warn"><b>Not a complete picture.</b><ul>${items.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul></div>`;
}

function topFailures(model: ReportModel): string {
  const list = [...model.securityFailures, ...model.availabilityFailures].slice(0, 20);
  if (list.length === 0) return '';
  return `<h4>Regressions first</h4><ul>${list.map((check) => `<li><span class="badge o-${check.outcome}">${escapeHtml(outcomeLabels[check.outcome])}</span> <span class="mono">${escapeHtml(check.stack)}</span> ${escapeHtml(`${check.scenario}/${check.variant}: ${flowTitle(check)}`)} — ${escapeHtml(failureLine(check))}</li>`).join('')}</ul>`;
}

export function renderHtml(model: ReportModel): string {
  const data = buildHtmlData(model);
  const counts = model.counts;
  const cards = checkOutcomes
    .map(
      (outcome) =>
        `<div class="card o-${outcome}"><b>${counts[outcome]}</b>${escapeHtml(outcomeLabels[outcome])}</div>`,
    )
    .join('');
  const chips = checkOutcomes
    .map(
      (outcome) =>
        `<label class="chip o-${outcome}"><input type="checkbox" value="${outcome}" checked>${escapeHtml(outcomeLabels[outcome])} (${counts[outcome]})</label>`,
    )
    .join('');
  const controlOptions = model.controls
    .map(
      (summary) =>
        `<option value="${escapeHtml(summary.control.id)}">${escapeHtml(`${summary.control.id} — ${summary.control.title}`)}</option>`,
    )
    .join('');
  const stackOptions = model.stacks
    .map((stack) => `<option value="${escapeHtml(stack)}">${escapeHtml(stack)}</option>`)
    .join('');
  const scenarioOptions = model.scenarios
    .map((scenario) => `<option value="${escapeHtml(scenario.id)}">${escapeHtml(scenario.id)}</option>`)
    .join('');
  const leftOut = controlsNote(model.provenance);
  const provenanceOptions = model.provenance.kinds
    .map(
      (count) =>
        `<option value="${count.kind}">${escapeHtml(`${provenanceWords[count.kind].badge} (${count.flows})`)}</option>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>gauntlet report: ${escapeHtml(model.verdict)} — ${escapeHtml(model.stacks.join(', '))}</title>
<style>${css}</style></head>
<body>
<header><h1><span class="verdict v-${model.verdict}">${escapeHtml(model.verdict)}</span>gauntlet network defence report</h1>
<div>${escapeHtml(model.headline)}</div><div class="evidence-kinds">${model.provenance.kinds.map((count) => provenanceBadge(count.kind)).join(' ')} <span id="evidence-sentence">${escapeHtml(model.provenance.sentence)}</span></div><div class="muted" id="known-by">${escapeHtml(knownCountsText(model.knownBy))}</div><div class="muted">Generated ${escapeHtml(model.generatedAt)} from ${plural(model.runs.length, 'run')}.</div></header>
<main>
${problems(model)}
<section><h2>Summary</h2><div class="cards">${cards}</div>${topFailures(model)}<h4>Runs</h4>${runsTable(model)}</section>
<section><h2>Scenario × stack</h2>${legend()}${grid(model)}<p class="note">Each cell shows its worst outcome; click it to list its flows.</p></section>
<section><h2>Defence in depth</h2>${depthBars(model)}</section>
<section><h2>Controls evidenced by traffic</h2>${controlsTable(model)}${leftOut ? `<p class="note">${escapeHtml(leftOut)}</p>` : ''}</section>
${waivers(model)}
<section id="flows-section"><h2>Flows</h2>
<div class="filters">${chips}<button id="only-failures" type="button">only failures</button><button id="all-outcomes" type="button">all</button></div>
<div class="filters"><label>Control <select id="control-filter"><option value="">any</option>${controlOptions}</select></label>
<label>Stack <select id="stack-filter"><option value="">any</option>${stackOptions}</select></label>
<label>Scenario <select id="scenario-filter"><option value="">any</option>${scenarioOptions}</select></label>
<label>Evidence from <select id="provenance-filter"><option value="">any</option>${provenanceOptions}</select></label>
<label>Test id or answer <input id="text-filter" type="search" placeholder="contains…"></label> <span id="match-count" class="muted"></span></div>
<table id="flows"><thead><tr><th>Outcome</th><th>Stack</th><th>Evidence from</th><th>Scenario / variant</th><th>Flow</th><th>Expected</th><th>Got</th><th>Controls</th></tr></thead><tbody></tbody></table>
<p><button id="more" type="button" hidden>show more</button></p>
<p class="note">Click a flow for where its evidence came from, its observation, verdict, deciding layer, the destination's answer, attempts and diagnostics.</p></section>
</main>
<script type="application/json" id="gauntlet-data">${scriptJson(data)}</script>
<script>${htmlScript}</script>
</body></html>
`;
}
