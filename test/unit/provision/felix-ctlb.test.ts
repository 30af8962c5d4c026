// Reading back Felix's connect-time load balancer: the commands, bpftool's JSON, and when every
// node counts as applied.
import test from 'ava';
import { isGauntletError } from '../../../harness/errors.ts';
import {
  calicoNodePodsArgs,
  cgroupProgramsArgs,
  ctlbDisabledReadiness,
  parseCalicoNodePods,
  parseCtlbPrograms,
} from '../../../harness/provision/felix-ctlb.ts';

test('calico-node pods by their DaemonSet selector, and bpftool on the cgroup Felix uses', (t) => {
  t.deepEqual(calicoNodePodsArgs('/k'), [
    '--kubeconfig',
    '/k',
    'get',
    'pods',
    '-n',
    'calico-system',
    '-l',
    'k8s-app=calico-node',
    '-o',
    'json',
  ]);
  t.deepEqual(cgroupProgramsArgs('/k', 'calico-node-x7'), [
    '--kubeconfig',
    '/k',
    'exec',
    '-n',
    'calico-system',
    'calico-node-x7',
    '-c',
    'calico-node',
    '--',
    'sh',
    '-c',
    'exec bpftool -j cgroup show "${CALICO_CGROUP_PATH:-/run/calico/cgroup}"',
  ]);
});

test('calico-node pods: node, name and the calico-node container Ready', (t) => {
  const json = JSON.stringify({
    items: [
      {
        metadata: { name: 'calico-node-a' },
        spec: { nodeName: 'c-control-plane' },
        status: {
          containerStatuses: [
            { name: 'calico-node', ready: true },
            { name: 'other', ready: false },
          ],
        },
      },
      { metadata: { name: 'calico-node-b' }, spec: { nodeName: 'c-worker' }, status: {} },
      { metadata: { name: 'calico-node-pending' }, spec: {}, status: {} },
    ],
  });
  t.deepEqual(parseCalicoNodePods(json), [
    { pod: 'calico-node-a', node: 'c-control-plane', ready: true },
    { pod: 'calico-node-b', node: 'c-worker', ready: false },
  ]);
  t.deepEqual(parseCalicoNodePods('{"items":[]}'), []);
});

test("bpftool's listing: only the six connect-time hooks count, whatever bpftool calls them", (t) => {
  const listing = JSON.stringify([
    { id: 12, attach_type: 'cgroup_device', attach_flags: 'multi', name: 'sd_devices' },
    { id: 40, attach_type: 'cgroup_inet4_connect', attach_flags: 'multi', name: 'calico_connect_v4' },
    { id: 41, attach_type: 'cgroup_inet6_connect', attach_flags: 'multi', name: 'calico_connect_v46' },
    { id: 42, attach_type: 'cgroup_udp4_sendmsg', attach_flags: 'multi', name: 'calico_sendmsg_v4' },
    { id: 43, attach_type: 'cgroup_udp6_recvmsg', attach_flags: 'multi', name: 'calico_recvmsg_v46' },
    { id: 44, attach_type: 'connect4', attach_flags: '', name: 'calico_connect_' },
    { id: 45, attach_type: 'cgroup_inet_egress', attach_flags: 'multi', name: 'sd_fw_egress' },
  ]);
  t.deepEqual(
    parseCtlbPrograms(listing).map((program) => program.name),
    ['calico_connect_v4', 'calico_connect_v46', 'calico_sendmsg_v4', 'calico_recvmsg_v46', 'calico_connect_'],
  );
  // No program at all: bpftool prints no array, only the JSON writer's closing newline.
  t.deepEqual(parseCtlbPrograms('\n'), []);
  t.deepEqual(parseCtlbPrograms('[]'), []);
  const error = t.throws(() => parseCtlbPrograms('sh: bpftool: not found'));
  t.true(isGauntletError(error) && error.code === 'GAUNTLET_PROVISION_FAILED');
});

test('applied only when every node is read, Ready and without a connect-time program', (t) => {
  const program = { name: 'calico_connect_v4', attachType: 'cgroup_inet4_connect' };
  t.deepEqual(
    ctlbDisabledReadiness([
      { node: 'c-control-plane', kind: 'read', ready: true, programs: [] },
      { node: 'c-worker', kind: 'read', ready: true, programs: [] },
    ]),
    { done: true, seen: 'no connect-time load balancer program on c-control-plane, c-worker' },
  );
  t.deepEqual(
    ctlbDisabledReadiness([
      { node: 'a', kind: 'read', ready: true, programs: [program] },
      { node: 'b', kind: 'read', ready: false, programs: [] },
      { node: 'c', kind: 'no-pod' },
      { node: 'd', kind: 'unreadable', error: 'container not found ("calico-node")' },
    ]),
    {
      done: false,
      seen: 'a: calico_connect_v4 (cgroup_inet4_connect) still attached; b: calico-node not Ready; c: no calico-node pod; d: container not found ("calico-node")',
    },
  );
  t.false(ctlbDisabledReadiness([]).done, 'no node read is not applied');
});
