import test from 'ava';
import { proxyDiagnosticCommand } from '../../../harness/run/proxy-diagnostics.ts';

const pod = { namespace: 'ns-shop', name: 'attacker-abc' };

test('sidecar modes dump the pod Envoy config with istioctl', (t) => {
  for (const mode of ['sidecar', 'sidecar-cni'] as const)
    t.deepEqual(proxyDiagnosticCommand(mode, '/k/config', pod), {
      tool: 'istioctl',
      args: ['--kubeconfig', '/k/config', 'proxy-config', 'all', 'attacker-abc.ns-shop', '-o', 'json'],
      file: 'envoy-config.json',
      what: 'reading the Envoy config',
    });
});

test('ambient reads the ztunnel logs; no mesh has no proxy', (t) => {
  t.like(proxyDiagnosticCommand('ambient', '/k/config', pod), {
    tool: 'kubectl',
    args: [
      '--kubeconfig',
      '/k/config',
      '-n',
      'istio-system',
      'logs',
      '-l',
      'app=ztunnel',
      '--prefix',
      '--tail',
      '2000',
    ],
    file: 'ztunnel.log',
  });
  t.is(proxyDiagnosticCommand('none', '/k/config', pod), undefined);
});
