import test from 'ava';
import { decideTier, parseRequiredTiers, readTapCounts } from '../support/tiers.ts';
import type { MachineFacts } from '../support/tiers.ts';

const everything: MachineFacts = {
  isRoot: true,
  commands: new Set(['ip', 'iptables', 'iptables-restore', 'ipset', 'python3', 'docker', 'kind']),
  dockerEngine: true,
  e2eOptIn: false,
};

test('unit always runs; lab needs root and the netfilter tools', (t) => {
  t.true(decideTier('unit', { ...everything, isRoot: false }).run);
  t.true(decideTier('lab', everything).run);
  const notRoot = decideTier('lab', { ...everything, isRoot: false });
  t.false(notRoot.run);
  t.regex(notRoot.run ? '' : notRoot.why, /root/);
  const noIpset = decideTier('lab', {
    ...everything,
    commands: new Set(['ip', 'iptables', 'iptables-restore', 'python3']),
  });
  t.regex(noIpset.run ? '' : noIpset.why, /missing ipset \(apt-get install/);
});

test('container needs a Docker engine that answers', (t) => {
  t.true(decideTier('container', everything).run);
  const down = decideTier('container', { ...everything, dockerEngine: false });
  t.regex(down.run ? '' : down.why, /start dockerd/);
});

test('e2e runs only when asked for', (t) => {
  const skipped = decideTier('e2e', everything);
  t.false(skipped.run);
  t.regex(skipped.run ? '' : skipped.why, /npm run test:e2e/);
  t.true(decideTier('e2e', { ...everything, e2eOptIn: true }).run);
});

test('GAUNTLET_REQUIRE_TIERS is parsed strictly', (t) => {
  t.deepEqual([...parseRequiredTiers('unit, lab,container')], ['unit', 'lab', 'container']);
  t.deepEqual([...parseRequiredTiers(undefined)], []);
  t.throws(() => parseRequiredTiers('unit,labs'), { message: /unknown tier "labs"/ });
});

test('TAP counts are read from the summary', (t) => {
  t.deepEqual(readTapCounts('ok 1 - a\nnot ok 2 - b\n\n1..2\n# tests 2\n# pass 1\n# skip 3\n# fail 1\n'), {
    passed: 1,
    failed: 1,
    skipped: 3,
  });
  t.deepEqual(readTapCounts(''), { passed: 0, failed: 0, skipped: 0 });
});
