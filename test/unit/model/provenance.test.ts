// Where a run's evidence came from: recorded on new runs, inferred for files written before it was.
import test from 'ava';
import { Provenance, describeProvenance, provenanceOf } from '../../../harness/model/provenance.ts';

test('a recorded provenance is used as it is', (t) => {
  const recorded: Provenance = {
    kind: 'user-cluster',
    context: 'staging',
    apiServer: 'https://10.0.0.1:6443',
  };
  t.deepEqual(provenanceOf({ provenance: recorded, environment: { stack: 'whatever' } }), recorded);
  t.is(describeProvenance(recorded), 'cluster of context staging at https://10.0.0.1:6443');
});

test('an older file: lab-* stacks came from the kernel lab, every other run from a kind cluster', (t) => {
  t.like(provenanceOf({ environment: { stack: 'lab-sidecar', istio: { version: '1.30.3' } } }), {
    kind: 'kernel-lab',
    istio: '1.30.3',
  });
  t.deepEqual(provenanceOf({ environment: { stack: 'calico-ambient', kubernetes: 'v1.36.1' } }), {
    kind: 'kind-cluster',
    stack: 'calico-ambient',
    kubernetes: 'v1.36.1',
  });
});

test('each kind describes itself in one line and fits the schema', (t) => {
  const lab: Provenance = {
    kind: 'kernel-lab',
    kernel: '6.1.0-28-amd64',
    istio: '1.30.3',
    ruleFiles: ['sidecar-capture.v4.rules'],
  };
  const kind: Provenance = {
    kind: 'kind-cluster',
    stack: 'calico-ambient',
    nodeImage: 'kindest/node:v1.36.1@sha256:34',
  };
  t.is(describeProvenance(lab), 'kernel lab on Linux 6.1.0-28-amd64 with Istio 1.30.3 capture rules');
  t.is(describeProvenance(kind), 'kind cluster for stack calico-ambient (kindest/node:v1.36.1@sha256:34)');
  for (const value of [lab, kind]) t.true(Provenance.safeParse(value).success);
  t.false(Provenance.safeParse({ kind: 'kind-cluster' }).success, 'a kind cluster names its stack');
});
