// The script of report.html, as text: it decodes the data block (reports/html-data.ts), filters
// flows by outcome, control, stack, scenario, provenance and text, pages through them, opens a flow's
// evidence, and draws the defence-in-depth matrix of a scenario. No network, no libraries.
import { flowWidth, rowWidth, sourceWidth } from './html-data.ts';

export const htmlScript = String.raw`
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('gauntlet-data').textContent);
  var S = D.strings, FW = ${flowWidth}, RW = ${rowWidth}, SW = ${sourceWidth}, PAGE = 200;
  var rowCount = D.rows.length / RW;
  var state = { outcomes: {}, control: '', stack: '', scenario: '', provenance: '', text: '', shown: PAGE };
  D.outcomes.forEach(function (o) { state.outcomes[o] = true; });
  var labels = { 'pass': 'pass', 'fail-security': 'security regression', 'fail-availability': 'availability regression',
    'inconclusive': 'inconclusive', 'observed': 'observed', 'waived': 'waived' };
  function $(sel) { return document.querySelector(sel); }
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; }
  function row(i, k) { return D.rows[i * RW + k]; }
  function flow(f, k) { return D.flows[f * FW + k]; }
  function source(i, k) { return D.sources[row(i, 1) * SW + k]; }
  function stackOf(i) { return S[D.stacks[source(i, 0)]]; }
  function kindOf(i) { return D.kinds[source(i, 1)]; }
  function provenanceBadge(i) { return el('span', 'prov p-' + kindOf(i), D.badges[source(i, 1)]); }
  function testId(i) { var f = row(i, 0); return stackOf(i) + '/' + S[flow(f, 0)] + '/' + S[flow(f, 1)] + '/' + S[flow(f, 2)]; }
  function verdictOf(i) { var v = row(i, 3); return { verdict: D.verdicts[v >> 3], layer: (v & 7) ? D.layers[(v & 7) - 1] : '' }; }

  function matches(i) {
    if (!state.outcomes[D.outcomes[row(i, 2)]]) return false;
    var f = row(i, 0);
    if (state.stack && stackOf(i) !== state.stack) return false;
    if (state.provenance && kindOf(i) !== state.provenance) return false;
    if (state.scenario && S[flow(f, 0)] !== state.scenario) return false;
    if (state.control && (' ' + S[flow(f, 6)] + ' ').indexOf(' ' + state.control + ' ') < 0) return false;
    if (state.text && testId(i).indexOf(state.text) < 0 && S[row(i, 9)].indexOf(state.text) < 0) return false;
    return true;
  }

  function detailRow(i) {
    var tr = el('tr', 'detail'); var td = el('td'); td.colSpan = 8;
    var f = row(i, 0), v = verdictOf(i), exp = S[row(i, 4)].split('\u0001');
    var dl = el('dl');
    function item(k, val) { if (!val) return; dl.appendChild(el('dt', '', k)); dl.appendChild(el('dd', '', val)); }
    item('Test id', testId(i));
    item('Evidence from', D.badges[source(i, 1)] + ': ' + S[source(i, 2)]);
    item('Technique', S[flow(f, 3)]);
    item('Source', S[flow(f, 4)]);
    item('Destination', S[flow(f, 5)]);
    item('Expected', exp[0] ? exp[0] + (exp[1] ? ': ' + exp[1] : '') + (exp[2] === 'hypothesis' ? ' (hypothesis, awaiting confirmation)' : exp[2] === 'lab' ? ' (shown in the kernel lab)' : exp[2] === 'documented' ? ' (documented upstream)' : '') : 'no expectation for this stack (observed only)');
    item('Observation', S[row(i, 6)]);
    item('Verdict', v.verdict + (v.layer ? ' at ' + v.layer : '') + ': ' + S[row(i, 5)]);
    var answer = S[row(i, 9)].split('\u0001');
    item('Answered by', answer[0]);
    item('Answer', answer[1]);
    item('Duration', row(i, 7) + ' ms');
    item('Controls', S[flow(f, 6)]);
    td.appendChild(dl);
    var x = row(i, 8);
    if (x >= 0) {
      var lines = S[D.extras[x]].split('\n');
      var pre = el('pre', 'evidence');
      lines.forEach(function (line) {
        var m = /^diagnostics: (.*)$/.exec(line);
        if (m) { var a = el('a', '', line); a.href = m[1]; pre.appendChild(a); pre.appendChild(document.createTextNode('\n')); }
        else pre.appendChild(document.createTextNode(line + '\n'));
      });
      td.appendChild(el('h4', '', 'Evidence'));
      td.appendChild(pre);
    }
    tr.appendChild(td);
    return tr;
  }

  function render() {
    var body = $('#flows tbody'); body.textContent = '';
    var matched = 0, shown = 0;
    for (var i = 0; i < rowCount; i++) {
      if (!matches(i)) continue;
      matched++;
      if (shown >= state.shown) continue;
      shown++;
      var f = row(i, 0), o = D.outcomes[row(i, 2)], v = verdictOf(i), exp = S[row(i, 4)].split('\u0001')[0];
      var tr = el('tr', 'flow o-' + o); tr.dataset.row = String(i); tr.dataset.outcome = o; tr.tabIndex = 0;
      var badge = el('td'); badge.appendChild(el('span', 'badge o-' + o, labels[o])); tr.appendChild(badge);
      tr.appendChild(el('td', 'mono', stackOf(i)));
      var from = el('td'); from.appendChild(provenanceBadge(i)); tr.appendChild(from);
      tr.appendChild(el('td', 'mono', S[flow(f, 0)] + ' / ' + S[flow(f, 1)]));
      tr.appendChild(el('td', '', S[flow(f, 2)] + ': ' + S[flow(f, 4)] + ' \u2192 ' + S[flow(f, 5)]));
      tr.appendChild(el('td', '', exp || '\u2014'));
      var got = el('td'); got.appendChild(el('span', 'layer l-' + (v.layer || (v.verdict === 'reached' ? 'reached' : 'none')), v.verdict + (v.layer ? ' at ' + v.layer : ''))); tr.appendChild(got);
      tr.appendChild(el('td', 'controls', S[flow(f, 6)]));
      body.appendChild(tr);
    }
    $('#match-count').textContent = matched + ' of ' + rowCount + ' flows' + (matched > shown ? ' (showing ' + shown + ')' : '');
    $('#more').hidden = matched <= shown;
  }

  document.querySelectorAll('.chip input').forEach(function (box) {
    box.addEventListener('change', function () { state.outcomes[box.value] = box.checked; state.shown = PAGE; render(); });
  });
  $('#only-failures').addEventListener('click', function () {
    document.querySelectorAll('.chip input').forEach(function (box) {
      box.checked = box.value === 'fail-security' || box.value === 'fail-availability' || box.value === 'inconclusive';
      state.outcomes[box.value] = box.checked;
    });
    state.shown = PAGE; render();
  });
  $('#all-outcomes').addEventListener('click', function () {
    document.querySelectorAll('.chip input').forEach(function (box) { box.checked = true; state.outcomes[box.value] = true; });
    state.shown = PAGE; render();
  });
  [['#control-filter', 'control'], ['#stack-filter', 'stack'], ['#scenario-filter', 'scenario'], ['#provenance-filter', 'provenance']].forEach(function (p) {
    $(p[0]).addEventListener('change', function (e) { state[p[1]] = e.target.value; state.shown = PAGE; render(); });
  });
  $('#text-filter').addEventListener('input', function (e) { state.text = e.target.value.trim(); state.shown = PAGE; render(); });
  $('#more').addEventListener('click', function () { state.shown += PAGE; render(); });
  $('#flows tbody').addEventListener('click', function (e) {
    var tr = e.target.closest('tr.flow'); if (!tr) return;
    var next = tr.nextElementSibling;
    if (next && next.classList.contains('detail')) { next.remove(); tr.classList.remove('open'); return; }
    tr.after(detailRow(Number(tr.dataset.row))); tr.classList.add('open');
  });
  $('#flows tbody').addEventListener('keydown', function (e) { if (e.key === 'Enter' && e.target.matches('tr.flow')) e.target.click(); });

  function setFilter(id, key, value) { $(id).value = value; state[key] = value; }
  document.querySelectorAll('[data-filter-control]').forEach(function (a) {
    a.addEventListener('click', function (e) { e.preventDefault(); setFilter('#control-filter', 'control', a.dataset.filterControl); state.shown = PAGE; render(); $('#flows-section').scrollIntoView(); });
  });
  document.querySelectorAll('td[data-scenario]').forEach(function (td) {
    td.addEventListener('click', function () {
      setFilter('#scenario-filter', 'scenario', td.dataset.scenario); setFilter('#stack-filter', 'stack', td.dataset.stack);
      state.shown = PAGE; render(); $('#flows-section').scrollIntoView();
    });
  });

  // The provenance kinds of each stack's flows, for the matrix's column heads.
  var stackKinds = D.stacks.map(function () { return []; });
  for (var k = 0; k < D.sources.length; k += SW)
    if (stackKinds[D.sources[k]].indexOf(D.sources[k + 1]) < 0) stackKinds[D.sources[k]].push(D.sources[k + 1]);

  // Defence in depth: for one scenario, which layer stopped each flow on each stack.
  function drawDepth(scenario) {
    var box = $('#depth-matrix'); box.textContent = '';
    var stacks = D.stacks.map(function (s) { return S[s]; });
    var byFlow = {}, order = [];
    for (var i = 0; i < rowCount; i++) {
      var f = row(i, 0); if (S[flow(f, 0)] !== scenario) continue;
      var key = S[flow(f, 1)] + ' / ' + S[flow(f, 2)];
      if (!byFlow[key]) { byFlow[key] = {}; order.push(key); }
      byFlow[key][stackOf(i)] = i;
    }
    var table = el('table', 'depth'); var head = el('tr'); head.appendChild(el('th', '', 'variant / probe'));
    stacks.forEach(function (s, index) {
      var th = el('th', 'mono', s);
      stackKinds[index].forEach(function (k) { th.appendChild(el('br')); th.appendChild(el('span', 'prov p-' + D.kinds[k], D.badges[k])); });
      head.appendChild(th);
    });
    var thead = el('thead'); thead.appendChild(head); table.appendChild(thead);
    var tbody = el('tbody');
    order.slice(0, 300).forEach(function (key) {
      var tr = el('tr'); tr.appendChild(el('td', 'mono', key));
      stacks.forEach(function (s) {
        var i = byFlow[key][s];
        if (i === undefined) { tr.appendChild(el('td', 'na', '\u2014')); return; }
        var v = verdictOf(i), o = D.outcomes[row(i, 2)];
        var cls = v.layer ? 'l-' + v.layer : (v.verdict === 'reached' ? 'l-reached' : 'l-none');
        var td = el('td', 'cell ' + cls + ' o-' + o, v.layer || v.verdict);
        td.title = testId(i) + ': ' + labels[o] + ' \u2014 ' + S[row(i, 5)];
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
    table.appendChild(tbody); box.appendChild(table);
    if (order.length > 300) box.appendChild(el('p', 'note', (order.length - 300) + ' more flows not drawn; filter the flow list instead.'));
  }
  var depthSelect = $('#depth-scenario');
  if (depthSelect) { depthSelect.addEventListener('change', function () { drawDepth(depthSelect.value); }); drawDepth(depthSelect.value); }
  render();
})();
`;
