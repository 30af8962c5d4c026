// How a lab process takes a pod's identity: a non-root pod's added capability stays in the bounding
// set only, as the runtime leaves it (no ambient capabilities), so the lab never grants a UID 1000
// process a capability a pod could not use.
import test from 'ava';
import { containerdDefaultDrop, setprivPrefix } from '../../../harness/lab/identity.ts';

test('a non-root identity with an added capability gets it in the bounding set, never as ambient', (t) => {
  const prefix = setprivPrefix({ uid: 1000, add: ['NET_RAW'] });
  t.deepEqual(prefix, [
    'setpriv',
    '--reuid=1000',
    '--regid=1000',
    '--clear-groups',
    '--inh-caps=-all',
    '--bounding-set=-all,+net_raw',
    '--',
  ]);
  t.false(
    prefix.some((argument) => argument.startsWith('--ambient-caps')),
    'no ambient capabilities',
  );
});

test('root keeps everything but what it drops; plain root needs no prefix', (t) => {
  t.deepEqual(setprivPrefix({ uid: 0 }), []);
  const bounding = setprivPrefix({ uid: 0, drop: containerdDefaultDrop }).find((argument) =>
    argument.startsWith('--bounding-set='),
  );
  t.truthy(bounding);
  t.true(bounding?.includes('-net_admin'), "NET_ADMIN is not in containerd's default set");
  t.false(bounding?.includes('net_raw'), 'NET_RAW is, so root keeps it');
});
