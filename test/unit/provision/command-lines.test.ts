// The command lines and manifest edits of every provisioning step, checked as data.
import test from 'ava';
import { parseAllDocuments } from 'yaml';
import {
  disableConnectTimeLbArgs,
  expectedTigeraStatuses,
  kubectlCreateArgs,
  needsConnectTimeLbDisabled,
  patchCustomResources,
  renderDocuments,
  tigeraStatusArgs,
  tigeraStatusReadiness,
} from '../../../harness/provision/calico.ts';
import {
  istioctlInstallArgs,
  istioctlManifestGenerateArgs,
  istioWorkloads,
  rolloutStatusArgs,
} from '../../../harness/provision/istio.ts';
import {
  kindCreateArgs,
  kindDeleteArgs,
  kindGetNodesArgs,
  kindLoadImageArchiveArgs,
  kindLoadImageArgs,
  parseNodeNames,
} from '../../../harness/provision/kind.ts';
import {
  dockerCli,
  imageSaveArguments,
  parseContainerInspect,
  pullArguments,
  runArguments,
  serverPlatformArguments,
} from '../../../harness/provision/docker.ts';
import type { Shell } from '../../../harness/shell.ts';

test('kind create reads the config from stdin and writes a kubeconfig of its own, without --wait', (t) => {
  t.deepEqual(kindCreateArgs('gauntlet-r1', '/c/kubeconfig'), [
    'create',
    'cluster',
    '--name',
    'gauntlet-r1',
    '--config',
    '-',
    '--kubeconfig',
    '/c/kubeconfig',
  ]);
  t.false(kindCreateArgs('x', 'y').includes('--wait'));
});

test('kind delete, load and get nodes', (t) => {
  t.deepEqual(kindDeleteArgs('gauntlet-r1'), ['delete', 'cluster', '--name', 'gauntlet-r1']);
  t.deepEqual(kindDeleteArgs('gauntlet-r1', '/c/k'), [
    'delete',
    'cluster',
    '--name',
    'gauntlet-r1',
    '--kubeconfig',
    '/c/k',
  ]);
  t.deepEqual(kindLoadImageArgs('gauntlet-r1', 'gauntlet-probe:1'), [
    'load',
    'docker-image',
    'gauntlet-probe:1',
    '--name',
    'gauntlet-r1',
  ]);
  t.deepEqual(kindLoadImageArgs('c', 'quay.io/calico/node:v3.32.1', 'quay.io/calico/cni:v3.32.1'), [
    'load',
    'docker-image',
    'quay.io/calico/node:v3.32.1',
    'quay.io/calico/cni:v3.32.1',
    '--name',
    'c',
  ]);
  t.deepEqual(kindLoadImageArchiveArgs('c', '/tmp/i/images.tar'), [
    'load',
    'image-archive',
    '/tmp/i/images.tar',
    '--name',
    'c',
  ]);
  t.deepEqual(kindGetNodesArgs('c'), ['get', 'nodes', '--name', 'c']);
  t.deepEqual(parseNodeNames('c-worker\nc-control-plane\n\nc-worker2\n'), [
    'c-control-plane',
    'c-worker',
    'c-worker2',
  ]);
  t.deepEqual(parseNodeNames('No kind nodes found for cluster "c".\n'), []);
});

test('istioctl install per mesh mode', (t) => {
  const base = ['install', '--kubeconfig', '/k', '--skip-confirmation', '--readiness-timeout', '300s'];
  const gateway = (enabled: boolean) => [
    '--set',
    'components.ingressGateways[0].name=istio-ingressgateway',
    '--set',
    `components.ingressGateways[0].enabled=${enabled}`,
  ];
  t.deepEqual(istioctlInstallArgs('sidecar', { kubeconfig: '/k', ingressGateway: false }), [
    ...base,
    '--set',
    'profile=default',
    ...gateway(false),
  ]);
  t.deepEqual(istioctlInstallArgs('sidecar-cni', { kubeconfig: '/k', ingressGateway: true }), [
    ...base,
    '--set',
    'profile=default',
    '--set',
    'components.cni.enabled=true',
    ...gateway(true),
  ]);
  t.deepEqual(
    istioctlInstallArgs('ambient', { kubeconfig: '/k', ingressGateway: true, readinessTimeoutSeconds: 60 }),
    [...base.slice(0, 5), '60s', '--set', 'profile=ambient', ...gateway(true)],
  );
  // The images are read from the manifest of exactly these settings, rendered offline.
  for (const mode of ['sidecar', 'sidecar-cni', 'ambient'] as const)
    for (const ingressGateway of [false, true])
      t.deepEqual(istioctlManifestGenerateArgs(mode, ingressGateway), [
        'manifest',
        'generate',
        ...istioctlInstallArgs(mode, { kubeconfig: '/k', ingressGateway }).slice(base.length),
      ]);
});

test('what Istio readiness waits for per mode', (t) => {
  const names = (mode: 'sidecar' | 'sidecar-cni' | 'ambient', gateway: boolean) =>
    istioWorkloads(mode, gateway).map((workload) => `${workload.kind}/${workload.name}`);
  t.deepEqual(names('sidecar', false), ['deployment/istiod']);
  t.deepEqual(names('sidecar-cni', false), ['deployment/istiod', 'daemonset/istio-cni-node']);
  t.deepEqual(names('ambient', true), [
    'deployment/istiod',
    'daemonset/istio-cni-node',
    'daemonset/ztunnel',
    'deployment/istio-ingressgateway',
  ]);
  t.deepEqual(rolloutStatusArgs('/k', { kind: 'daemonset', namespace: 'istio-system', name: 'ztunnel' }), [
    '--kubeconfig',
    '/k',
    'rollout',
    'status',
    'daemonset/ztunnel',
    '-n',
    'istio-system',
    '--timeout=10s',
  ]);
});

// The shape of Calico's manifests/custom-resources.yaml @v3.32.1, trimmed.
const customResources = `# comment
apiVersion: operator.tigera.io/v1
kind: Installation
metadata:
  name: default
spec:
  calicoNetwork:
    ipPools:
      - name: default-ipv4-ippool
        blockSize: 26
        cidr: 192.168.0.0/16
        encapsulation: VXLANCrossSubnet
        natOutgoing: Enabled
        nodeSelector: all()
---
apiVersion: operator.tigera.io/v1
kind: APIServer
metadata:
  name: default
spec: {}
---
apiVersion: operator.tigera.io/v1
kind: Goldmane
metadata:
  name: default
---
apiVersion: operator.tigera.io/v1
kind: Whisker
metadata:
  name: default
`;

function installationNetwork(text: string): Record<string, unknown> {
  type Doc = { kind?: string; spec?: { calicoNetwork?: Record<string, unknown> } };
  const docs = parseAllDocuments(text).map((doc) => doc.toJS() as Doc);
  const network = docs.find((doc) => doc.kind === 'Installation')?.spec?.calicoNetwork;
  if (!network) throw new Error('no Installation calicoNetwork');
  return network;
}

test('custom resources get the dataplane; BPF also gets the operator bootstrap and kube-proxy switches', (t) => {
  for (const [dataplane, expected] of [
    ['iptables', 'Iptables'],
    ['nftables', 'Nftables'],
  ] as const) {
    const network = installationNetwork(renderDocuments(patchCustomResources(customResources, dataplane)));
    t.is(network['linuxDataplane'], expected);
    t.false('bpfNetworkBootstrap' in network);
    t.false('kubeProxyManagement' in network);
    t.is((network['ipPools'] as { cidr: string }[])[0]?.cidr, '192.168.0.0/16', 'the IP pool is kept');
  }
  const bpf = installationNetwork(renderDocuments(patchCustomResources(customResources, 'bpf')));
  t.is(bpf['linuxDataplane'], 'BPF');
  t.is(bpf['bpfNetworkBootstrap'], 'Enabled');
  t.is(bpf['kubeProxyManagement'], 'Enabled');
  t.is(patchCustomResources(customResources, 'bpf').length, 4, 'every document is kept');
});

test('custom resources without an Installation are refused', (t) => {
  const error = t.throws(() =>
    patchCustomResources('kind: APIServer\nmetadata: {name: default}\n', 'iptables'),
  );
  t.regex(error?.message ?? '', /no Installation named default/);
});

test('the tigerastatus set follows the custom resources, and readiness needs all Available', (t) => {
  const expected = expectedTigeraStatuses(patchCustomResources(customResources, 'iptables'));
  t.deepEqual(expected, ['apiserver', 'calico', 'goldmane', 'ippools', 'whisker']);
  const status = (name: string, available: string, degraded?: string) => ({
    metadata: { name },
    status: {
      conditions: [
        { type: 'Available', status: available },
        ...(degraded ? [{ type: 'Degraded', status: 'True', message: degraded }] : []),
      ],
    },
  });
  const json = (items: unknown[]) => JSON.stringify({ items });
  t.deepEqual(tigeraStatusReadiness(json([]), expected), {
    done: false,
    seen: 'not reported yet: apiserver, calico, goldmane, ippools, whisker',
  });
  const partial = tigeraStatusReadiness(
    json([status('calico', 'True'), status('ippools', 'False', 'Unable to modify IP pools')]),
    expected,
  );
  t.false(partial.done);
  t.regex(partial.seen, /ippools: Degraded \(Unable to modify IP pools\)/);
  t.regex(partial.seen, /not reported yet: apiserver, goldmane, whisker/);
  const ready = tigeraStatusReadiness(json(expected.map((name) => status(name, 'True'))), expected);
  t.true(ready.done);
  t.deepEqual(tigeraStatusArgs('/k'), ['--kubeconfig', '/k', 'get', 'tigerastatus', '-o', 'json']);
  t.deepEqual(kubectlCreateArgs('/k'), ['--kubeconfig', '/k', 'create', '-f', '-']);
});

test('connect-time load balancing is disabled only for meshed eBPF stacks', (t) => {
  t.true(
    needsConnectTimeLbDisabled({
      cni: { name: 'calico', version: 'v3.32.1', dataplane: 'bpf' },
      mesh: { mode: 'sidecar', istio: '1.30.3' },
    }),
  );
  t.false(
    needsConnectTimeLbDisabled({
      cni: { name: 'calico', version: 'v3.32.1', dataplane: 'bpf' },
      mesh: { mode: 'none' },
    }),
  );
  t.false(
    needsConnectTimeLbDisabled({
      cni: { name: 'calico', version: 'v3.32.1', dataplane: 'iptables' },
      mesh: { mode: 'ambient', istio: '1.30.3' },
    }),
  );
  const args = disableConnectTimeLbArgs('/k');
  t.deepEqual(args.slice(0, 8), [
    '--kubeconfig',
    '/k',
    'patch',
    'felixconfigurations.projectcalico.org',
    'default',
    '--type',
    'merge',
    '-p',
  ]);
  t.deepEqual(JSON.parse(args[8] ?? '{}'), { spec: { bpfConnectTimeLoadBalancing: 'Disabled' } });
});

test('docker build runs without BuildKit default attestations, keeping the caller environment', async (t) => {
  const calls: { args: readonly string[]; env?: NodeJS.ProcessEnv }[] = [];
  const shell: Shell = {
    run: async (command, args, options = {}) => {
      calls.push({ args, ...(options.env ? { env: options.env } : {}) });
      return { command: [command, ...args], exitCode: 0, stdout: '', stderr: '' };
    },
  };
  await dockerCli(shell, 'docker', { PATH: '/usr/bin', DOCKER_HOST: 'unix:///run/d.sock' }).build({
    tag: 'gauntlet-probe:0.1.0',
    context: '/src/images/probe',
  });
  t.deepEqual(calls[0]?.args, ['build', '--tag', 'gauntlet-probe:0.1.0', '/src/images/probe']);
  t.deepEqual(calls[0]?.env, {
    PATH: '/usr/bin',
    DOCKER_HOST: 'unix:///run/d.sock',
    BUILDX_NO_DEFAULT_ATTESTATIONS: '1',
  });
});

test('docker run: every option as its flag, in a fixed order, the image then its arguments last', (t) => {
  t.deepEqual(runArguments({ image: 'i' }), ['run', '--detach', 'i']);
  t.deepEqual(
    runArguments({
      image: 'gauntlet-probe:1',
      name: 'pod',
      network: 'net',
      labels: { a: '1' },
      entrypoint: 'node',
      user: '1000:1000',
      privileged: true,
      capAdd: ['NET_RAW'],
      capDrop: ['ALL'],
      securityOpt: ['no-new-privileges'],
      readOnly: true,
      memoryBytes: 268435456,
      cpuShares: 10,
      cpus: 1.5,
      restart: 'always',
      env: { X: 'y' },
      command: ['/opt/gauntlet/agent.mjs', 'serve'],
    }),
    [
      'run',
      '--detach',
      '--name',
      'pod',
      '--network',
      'net',
      '--label',
      'a=1',
      '--entrypoint',
      'node',
      '--user',
      '1000:1000',
      '--privileged',
      '--cap-add',
      'NET_RAW',
      '--cap-drop',
      'ALL',
      '--security-opt',
      'no-new-privileges',
      '--read-only',
      '--memory',
      '268435456',
      '--memory-swap',
      '268435456',
      '--cpu-shares',
      '10',
      '--cpus',
      '1.5',
      '--restart',
      'always',
      '--env',
      'X=y',
      'gauntlet-probe:1',
      '/opt/gauntlet/agent.mjs',
      'serve',
    ],
  );
});

test('docker run to completion, pull, one-platform save and the engine platform', (t) => {
  t.deepEqual(
    runArguments({ image: 'i', network: 'none', command: ['--print-images=listcalico'] }, 'remove'),
    ['run', '--rm', '--network', 'none', 'i', '--print-images=listcalico'],
  );
  t.deepEqual(pullArguments('quay.io/calico/node:v3.32.1'), [
    'pull',
    '--quiet',
    'quay.io/calico/node:v3.32.1',
  ]);
  t.deepEqual(imageSaveArguments(['a:1', 'b:2'], '/tmp/x/images.tar', 'linux/arm64'), [
    'image',
    'save',
    '--platform',
    'linux/arm64',
    '--output',
    '/tmp/x/images.tar',
    'a:1',
    'b:2',
  ]);
  t.deepEqual(serverPlatformArguments(), ['version', '--format', '{{.Server.Os}}/{{.Server.Arch}}']);
});

test('docker inspect: the state that tells a restarted, exited or OOM-killed container', (t) => {
  const inspected = [
    {
      Id: 'abc',
      Name: '/pod',
      State: {
        Running: true,
        Status: 'running',
        Pid: 4242,
        ExitCode: 137,
        OOMKilled: true,
        StartedAt: '2026-01-01T00:00:01Z',
      },
      RestartCount: 2,
      Config: { Image: 'gauntlet-probe:1', Labels: null },
      NetworkSettings: { Networks: { net: { IPAddress: '198.19.1.2' } } },
    },
  ];
  t.like(parseContainerInspect(JSON.stringify(inspected), 'pod'), {
    name: 'pod',
    running: true,
    pid: 4242,
    exitCode: 137,
    oomKilled: true,
    startedAt: '2026-01-01T00:00:01Z',
    restartCount: 2,
    labels: {},
    addresses: { net: '198.19.1.2' },
  });
});
