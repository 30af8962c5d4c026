// The pod rehearsal's translation (test/container/support/rendered-pod.ts): a rendered Deployment as
// the `docker run` and readiness check the container tier performs, checked as data, from the real
// renderer and from hand-written pod templates for the kubelet's rules.
import test from 'ava';
import type { KubeObject } from '../../harness/plan/render-workloads.ts';
import { agentPath, serveArguments } from '../../harness/plan/render-workloads.ts';
import { quantityBytes, quantityMillis, quantityValue } from '../container/support/kubernetes-quantity.ts';
import {
  capabilitiesOfMask,
  capabilityNames,
  containerdDefaultCapabilities,
  kindCapabilities,
} from '../container/support/linux-capabilities.ts';
import type { ImageFacts } from '../container/support/rendered-pod.ts';
import { UntranslatablePod, dockerRunOfDeployment } from '../container/support/rendered-pod.ts';
import type { RenderedPod } from '../container/support/rehearsal-plan.ts';
import { planEveryStack, renderedPods } from '../container/support/rehearsal-plan.ts';

const byBit = (a: string, b: string) =>
  capabilityNames.indexOf(a as (typeof capabilityNames)[number]) -
  capabilityNames.indexOf(b as (typeof capabilityNames)[number]);

const rootImage: ImageFacts = { ref: 'gauntlet-probe:test', uid: 0 };

/** A pod the plan renders for the catalog, found by what it is like. */
function rendered(what: string, like: (pod: RenderedPod) => boolean): RenderedPod {
  const found = renderedPods(planEveryStack()).find(like);
  if (!found) throw new Error(`the catalog renders no ${what} any more: pick another example`);
  return found;
}

/** A Deployment of one container `agent`, with the pod and container fields given. */
function deployment(container: Record<string, unknown>, pod: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', namespace: 'n' },
    spec: {
      template: {
        spec: { containers: [{ name: 'agent', image: 'plan:ref', ...container }], ...pod },
      },
    },
  };
}

function run(object: KubeObject, image: ImageFacts = rootImage) {
  const translation = dockerRunOfDeployment(object, image);
  if (!translation.ok) throw new Error(`refused: ${translation.refusal}`);
  return translation;
}

test('a pod without a securityContext runs restricted, with the command, limits and readiness rendered', (t) => {
  const web = rendered(
    'HTTP server without a securityContext',
    ({ pod }) => !pod.spec.securityContext && pod.spec.serve?.http !== undefined,
  );
  const { run: options, readiness, hostNetwork } = run(web.deployment);
  t.deepEqual(options, {
    image: 'gauntlet-probe:test',
    entrypoint: 'node',
    command: [agentPath, ...serveArguments(web.pod.workload, web.pod.spec)],
    user: '1000:1000',
    capDrop: ['ALL'],
    // RuntimeDefault seccomp is Docker's default profile: no flag beside no_new_privs.
    securityOpt: ['no-new-privileges'],
    memoryBytes: 256 * 2 ** 20,
    cpuShares: 10, // 10m: 10 * 1024 / 1000, floored
    restart: 'always',
  });
  t.deepEqual(readiness, {
    kind: 'http',
    port: web.pod.spec.serve?.http?.[0],
    path: '/healthz',
    headers: {},
    initialDelayMs: 0,
    periodMs: 2000,
    timeoutMs: 1000,
    successThreshold: 1,
    failureThreshold: 3,
  });
  t.false(hostNetwork);
  const tcp = rendered(
    'TCP-only server',
    ({ pod }) => pod.spec.serve?.tcp !== undefined && pod.spec.serve.http === undefined,
  );
  t.like(run(tcp.deployment).readiness, { kind: 'tcp', port: tcp.pod.spec.serve?.tcp?.[0] });
  const host = rendered('hostNetwork pod', ({ pod }) => pod.spec.hostNetwork === true);
  t.true(run(host.deployment).hostNetwork);
});

test("an attacker's own securityContext: root, its capability added, no no_new_privs, ready once running", (t) => {
  const attacker = rendered(
    'root pod adding a capability',
    ({ pod }) =>
      pod.spec.securityContext?.runAsUser === 0 &&
      (pod.spec.securityContext.capabilities?.add?.length ?? 0) > 0 &&
      !pod.spec.serve,
  );
  const { run: options, readiness } = run(attacker.deployment);
  t.like(options, {
    user: '0',
    capAdd: attacker.pod.spec.securityContext?.capabilities?.add,
    securityOpt: [],
  });
  t.false('capDrop' in options);
  t.deepEqual(options.command, [agentPath, 'serve', '--name', attacker.pod.workload]);
  t.is(readiness.kind, 'running');
});

test('runAsNonRoot is refused as the kubelet refuses it: UID 0 asked for, or an image that runs as root', (t) => {
  t.deepEqual(
    dockerRunOfDeployment(deployment({ securityContext: { runAsNonRoot: true, runAsUser: 0 } }), rootImage),
    {
      ok: false,
      refusal: "container's runAsUser breaks non-root policy",
    },
  );
  t.deepEqual(dockerRunOfDeployment(deployment({}, { securityContext: { runAsNonRoot: true } }), rootImage), {
    ok: false,
    refusal: 'container has runAsNonRoot and image will run as root',
  });
  const nonRootImage = run(deployment({ securityContext: { runAsNonRoot: true } }), { ref: 'i', uid: 1000 });
  t.false('user' in nonRootImage.run, "the image's own user");
  t.is(run(deployment({ securityContext: { runAsNonRoot: true, runAsUser: 1 } })).run.user, '1');
});

test("the pod's securityContext applies unless the container's says otherwise", (t) => {
  const pod = {
    securityContext: { runAsUser: 2000, runAsGroup: 3000, seccompProfile: { type: 'RuntimeDefault' } },
  };
  t.like(run(deployment({}, pod)).run, { user: '2000:3000', securityOpt: [] });
  t.like(run(deployment({ securityContext: { runAsUser: 5 } }, pod)).run, { user: '5:3000' });
  t.like(run(deployment({ securityContext: { runAsGroup: 7 } })).run, { user: '0:7' }, "the image's UID");
  t.like(run(deployment({ securityContext: { seccompProfile: { type: 'Unconfined' } } }, pod)).run, {
    securityOpt: ['seccomp=unconfined'],
  });
  t.like(run(deployment({})).run, { securityOpt: ['seccomp=unconfined'] }, 'no profile at all is Unconfined');
  t.like(run(deployment({ securityContext: { privileged: true } })).run, {
    privileged: true,
    securityOpt: [],
  });
  t.throws(
    () =>
      run(deployment({ securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: 'p' } } })),
    {
      instanceOf: UntranslatablePod,
    },
  );
});

test('command replaces the entrypoint and args the image command; with neither the image decides', (t) => {
  t.like(run(deployment({ command: ['sh', '-c', 'x'], args: ['a'] })).run, {
    entrypoint: 'sh',
    command: ['-c', 'x', 'a'],
  });
  const argsOnly = run(deployment({ args: ['serve', '--tcp', '1'] })).run;
  t.false('entrypoint' in argsOnly);
  t.deepEqual(argsOnly.command, ['serve', '--tcp', '1']);
  const neither = run(deployment({})).run;
  t.false('entrypoint' in neither);
  t.deepEqual(neither.command, []);
});

test('read-only root, env, CPU request and limit, restart policy', (t) => {
  const options = run(
    deployment(
      {
        securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: true },
        env: [{ name: 'A', value: '1' }, { name: 'EMPTY' }],
        resources: { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1500m', memory: '1.5Gi' } },
      },
      { restartPolicy: 'Never' },
    ),
  ).run;
  t.like(options, {
    readOnly: true,
    env: { A: '1', EMPTY: '' },
    cpuShares: 256,
    cpus: 1.5,
    memoryBytes: 1.5 * 2 ** 30,
    restart: 'no',
  });
  t.deepEqual(
    options.securityOpt,
    ['seccomp=unconfined'],
    'allowPrivilegeEscalation true sets no no_new_privs',
  );
  t.like(
    run(deployment({ resources: { limits: { cpu: '2' } } })).run,
    { cpuShares: 2048, cpus: 2 },
    'a limit alone is the request',
  );
  t.is(run(deployment({})).run.cpuShares, 2, 'no request: the kubelet minimum');
});

test('fields the translation does not know stop it, naming the field', (t) => {
  const untranslatable = (object: KubeObject) =>
    t.throws(() => dockerRunOfDeployment(object, rootImage), { instanceOf: UntranslatablePod });
  t.regex(untranslatable(deployment({ volumeMounts: [] }))?.message ?? '', /containers\.0: .*volumeMounts/);
  t.regex(untranslatable(deployment({}, { initContainers: [] }))?.message ?? '', /initContainers/);
  t.regex(untranslatable(deployment({ env: [{ name: 'A', valueFrom: {} }] }))?.message ?? '', /valueFrom/);
  t.regex(
    untranslatable(deployment({ readinessProbe: { exec: { command: ['true'] } } }))?.message ?? '',
    /exec/,
  );
  t.regex(
    untranslatable(deployment({ readinessProbe: { periodSeconds: 1 } }))?.message ?? '',
    /without an httpGet or tcpSocket/,
  );
  const twoContainers = deployment({});
  const spec = (twoContainers['spec'] as { template: { spec: { containers: unknown[] } } }).template.spec;
  spec.containers.push({ name: 'sidecar', image: 'x' });
  t.regex(untranslatable(twoContainers)?.message ?? '', /exactly one container/);
});

test('Kubernetes quantities: binary and decimal suffixes, exponents, rounded up as the API rounds', (t) => {
  t.is(quantityBytes('256Mi'), 268_435_456);
  t.is(quantityBytes('1.5Gi'), 1_610_612_736);
  t.is(quantityBytes('500M'), 500_000_000);
  t.is(quantityBytes('1k'), 1000);
  t.is(quantityBytes('0.5'), 1, 'half a byte is a byte');
  t.is(quantityValue('2e3'), 2000);
  t.is(quantityValue('1E'), 1e18, 'E alone is exa');
  t.is(quantityMillis('10m'), 10);
  t.is(quantityMillis('0.1'), 100);
  t.is(quantityMillis('1'), 1000);
  t.is(quantityMillis('100u'), 1, 'a fraction of a millicore rounds up');
  t.throws(() => quantityValue('12 apples'), { message: /not a Kubernetes quantity/ });
});

test("capabilities as containerd's CRI plugin sets them: its default set, ALL first, then each one", (t) => {
  t.deepEqual(kindCapabilities(), [...containerdDefaultCapabilities].sort(byBit));
  t.deepEqual(kindCapabilities({ capabilities: { drop: ['ALL'] } }), []);
  t.deepEqual(kindCapabilities({ capabilities: { drop: ['ALL'], add: ['NET_RAW'] } }), ['NET_RAW']);
  t.deepEqual(
    kindCapabilities({ capabilities: { add: ['ALL'], drop: ['CHOWN'] } }),
    capabilityNames.slice(1),
  );
  const withAdmin = kindCapabilities({ capabilities: { add: ['NET_ADMIN'], drop: ['MKNOD'] } });
  t.true(withAdmin.includes('NET_ADMIN') && withAdmin.includes('NET_RAW') && !withAdmin.includes('MKNOD'));
  t.deepEqual(kindCapabilities({ privileged: true, capabilities: { drop: ['ALL'] } }), [...capabilityNames]);
  t.deepEqual(
    run(deployment({ securityContext: { capabilities: { drop: ['ALL'], add: ['NET_ADMIN'] } } }))
      .capabilities,
    ['NET_ADMIN'],
  );
});

test('a /proc status capability mask as names', (t) => {
  t.deepEqual(capabilitiesOfMask('0000000000000000'), []);
  t.deepEqual(capabilitiesOfMask('0000000000003000'), ['NET_ADMIN', 'NET_RAW']);
  t.deepEqual(capabilitiesOfMask('000001ffffffffff'), [...capabilityNames]);
  // Docker's default set, as a container without --cap-add/--cap-drop reports it.
  t.deepEqual(capabilitiesOfMask('00000000a80425fb'), kindCapabilities());
});
