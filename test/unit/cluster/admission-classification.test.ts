// What refused a dry-run pod, from the Status messages real API servers send: Pod Security (and its
// level), admission webhooks (Kyverno, Gatekeeper), ValidatingAdmissionPolicy, webhooks that take no
// dry run or cannot be called (undecided, not refused), and anything else; then the level.
import test from 'ava';
import type { AdmissionPosture } from '../../../harness/cluster/discovery/admission.ts';
import {
  admissionPosture,
  classifyRefusal,
  describeVerdict,
  referencePodObject,
  referencePods,
} from '../../../harness/cluster/discovery/admission.ts';

const forbidden = (message: string, code = 403, reason = 'Forbidden') => ({ code, reason, message });

test('Pod Security: the level and version that refused', (t) => {
  t.deepEqual(
    classifyRefusal(
      forbidden(
        'pods "gauntlet-admission-root" is forbidden: violates PodSecurity "restricted:v1.30": allowPrivilegeEscalation != false (container "agent" must set securityContext.allowPrivilegeEscalation=false), runAsNonRoot != true (pod or container "agent" must set securityContext.runAsNonRoot=true)',
      ),
    ),
    {
      admitted: false,
      refuser: { by: 'pod-security', level: 'restricted', version: 'v1.30' },
      message:
        'pods "gauntlet-admission-root" is forbidden: violates PodSecurity "restricted:v1.30": allowPrivilegeEscalation != false (container "agent" must set securityContext.allowPrivilegeEscalation=false), runAsNonRoot != true (pod or container "agent" must set securityContext.runAsNonRoot=true)',
    },
  );
});

test('webhooks by name: Kyverno (multi-line message), Gatekeeper', (t) => {
  const kyverno = classifyRefusal(
    forbidden(
      'admission webhook "validate.kyverno.svc-fail" denied the request: \n\nresource Pod/ns/gauntlet-admission-net-admin was blocked due to the following policies \n\ndisallow-capabilities-strict:\n  require-drop-all: ...',
      400,
      'BadRequest',
    ),
  );
  t.like(kyverno, { admitted: false, refuser: { by: 'webhook', name: 'validate.kyverno.svc-fail' } });
  t.notRegex(kyverno.admitted === false ? kyverno.message : '', /\n/, 'one line');
  t.like(
    classifyRefusal(
      forbidden(
        'admission webhook "validation.gatekeeper.sh" denied the request: [psp-host-network-ports] The specified hostNetwork and hostPort are not allowed, pod: gauntlet-admission-host-network',
      ),
    ),
    { admitted: false, refuser: { by: 'webhook', name: 'validation.gatekeeper.sh' } },
  );
});

test('a ValidatingAdmissionPolicy by name', (t) => {
  t.like(
    classifyRefusal(
      forbidden(
        "pods \"gauntlet-admission-root\" is forbidden: ValidatingAdmissionPolicy 'no-root' with binding 'no-root-binding' denied request: containers must not run as root",
      ),
    ),
    { admitted: false, refuser: { by: 'validating-admission-policy', name: 'no-root' } },
  );
});

test('undecided, not refused: a webhook without dry-run support, a webhook that cannot be called', (t) => {
  t.deepEqual(
    classifyRefusal(
      forbidden('admission webhook "sidecar.example.com" does not support dry run', 400, 'BadRequest'),
    ),
    {
      admitted: 'unknown',
      why: 'admission webhook "sidecar.example.com" does not support dry run',
    },
  );
  t.like(
    classifyRefusal(
      forbidden(
        'Internal error occurred: failed calling webhook "validate.kyverno.svc-fail": failed to call webhook: Post "https://kyverno-svc.kyverno.svc:443/validate/fail?timeout=10s": context deadline exceeded',
        500,
        'InternalError',
      ),
    ),
    { admitted: 'unknown' },
  );
});

test('anything else is a refusal by the API server, with its reason', (t) => {
  t.like(
    classifyRefusal(
      forbidden(
        'pods "gauntlet-admission-root" is forbidden: failed quota: compute: must specify limits.cpu for: agent',
      ),
    ),
    { admitted: false, refuser: { by: 'other', reason: 'Forbidden' } },
  );
});

const results = (verdicts: Record<string, boolean | 'unknown'>): AdmissionPosture['results'] =>
  referencePods.map((reference) => {
    const admitted = verdicts[reference.id] ?? true;
    return {
      id: reference.id,
      level: reference.level,
      what: reference.what,
      verdict:
        admitted === true
          ? { admitted: true as const }
          : admitted === 'unknown'
            ? { admitted: 'unknown' as const, why: 'no dry run' }
            : {
                admitted: false as const,
                refuser: { by: 'webhook' as const, name: `deny-${reference.id}` },
                message: 'denied',
              },
    };
  });

test('the level: the most permissive whose reference pods (and those below) all got in', (t) => {
  t.is(admissionPosture('ns', results({})).level, 'privileged');
  t.is(admissionPosture('ns', results({ 'host-network': false })).level, 'baseline');
  t.is(
    admissionPosture('ns', results({ 'net-raw': false, 'net-admin': false, 'host-network': false })).level,
    'baseline',
  );
  t.is(
    admissionPosture('ns', results({ root: false })).level,
    'restricted',
    'root refused: restricted, even if NET_ADMIN got in',
  );
  t.is(admissionPosture('ns', results({ restricted: false })).level, 'none');
  t.is(
    admissionPosture('ns', results({ root: 'unknown' })).level,
    'restricted',
    'undecided counts as not admitted',
  );
  t.deepEqual(admissionPosture('ns', results({ root: false, 'net-raw': false })).otherRefusers, [
    'admission webhook "deny-root"',
    'admission webhook "deny-net-raw"',
  ]);
});

test('reference pods step through the Pod Security Standards and carry no namespace-level labels of their own', (t) => {
  const pod = referencePodObject(referencePods[3] ?? referencePods[0]!, 'gauntlet-discover-x', 'img:1', {
    'gauntlet.dev/run': 'x',
  });
  t.like(pod, {
    kind: 'Pod',
    metadata: {
      name: 'gauntlet-admission-net-admin',
      namespace: 'gauntlet-discover-x',
      labels: { 'gauntlet.dev/run': 'x' },
    },
    spec: { securityContext: { seccompProfile: { type: 'RuntimeDefault' } } },
  });
  t.deepEqual(
    referencePods.map((reference) => `${reference.id}:${reference.level}`),
    [
      'restricted:restricted',
      'root:baseline',
      'net-raw:privileged',
      'net-admin:privileged',
      'host-network:privileged',
    ],
  );
  t.is(describeVerdict({ admitted: true }), 'admitted');
});
