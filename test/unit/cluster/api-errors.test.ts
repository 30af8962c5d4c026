// How a failed API call is read: the Status in client-node's ApiException, what is worth retrying,
// which refusals of an applied object are outcomes, and the bounded retry itself.
import test from 'ava';
import { ApiException } from '@kubernetes/client-node';
import { isAdmissionRefusal, applyRefusal } from '../../../harness/cluster/admission-denial.ts';
import {
  apiStatusOf,
  clusterApiError,
  describeApiError,
  isTransient,
} from '../../../harness/cluster/api-errors.ts';
import { retryTransient } from '../../../harness/cluster/api-retry.ts';
import { isGauntletError } from '../../../harness/errors.ts';

const status = (code: number, reason: string, message: string) =>
  new ApiException(
    code,
    'Unknown API Status Code!',
    JSON.stringify({ kind: 'Status', code, reason, message }),
    {},
  );

const systemError = (code: string) =>
  Object.assign(new Error(`request failed, reason: ${code}`), { code, errno: code });

test('the Status body of an ApiException (raw text in client-node 1.x) is parsed', (t) => {
  t.deepEqual(apiStatusOf(status(422, 'Invalid', 'spec.replicas:\n Invalid value')), {
    code: 422,
    reason: 'Invalid',
    message: 'spec.replicas: Invalid value',
  });
  t.deepEqual(apiStatusOf(new ApiException(502, 'x', '<html>bad gateway</html>', {})), {
    code: 502,
    reason: '',
    message: '<html>bad gateway</html>',
  });
  t.is(apiStatusOf(systemError('ECONNRESET')), undefined);
  t.is(
    describeApiError(status(404, 'NotFound', 'namespaces "x" not found')),
    'HTTP 404 NotFound: namespaces "x" not found',
  );
});

test('transient: 429, 5xx, reset/refused connections and request timeouts; not 4xx', (t) => {
  for (const error of [
    status(429, 'TooManyRequests', 'slow down'),
    status(500, 'InternalError', 'failed calling webhook'),
    status(503, 'ServiceUnavailable', ''),
    systemError('ECONNRESET'),
    systemError('ECONNREFUSED'),
    Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' }),
  ])
    t.true(isTransient(error), describeApiError(error));
  for (const error of [
    status(403, 'Forbidden', ''),
    status(404, 'NotFound', ''),
    status(409, 'Conflict', ''),
    new Error('bug'),
  ])
    t.false(isTransient(error), describeApiError(error));
});

test('admission refusals are recognised by the words the API server uses', (t) => {
  t.true(isAdmissionRefusal('pods "a" is forbidden: violates PodSecurity "baseline:latest": privileged'));
  t.true(isAdmissionRefusal('admission webhook "validation.istio.io" denied the request: invalid'));
  t.true(isAdmissionRefusal("ValidatingAdmissionPolicy 'no-caps' with binding 'no-caps' denied request: no"));
  t.true(isAdmissionRefusal("ValidatingAdmissionPolicy 'no-caps' denied request: no"));
  t.false(isAdmissionRefusal('pods "a" is forbidden: exceeded quota: compute'));
  t.false(
    isAdmissionRefusal(
      'Internal error occurred: failed calling webhook "validation.istio.io": connection refused',
    ),
  );
});

test('a refused apply: validation and admission yes, RBAC, conflicts and server errors no', (t) => {
  const reason = (code: number, r: string, message: string) => applyRefusal({ code, reason: r, message });
  t.deepEqual(reason(422, 'Invalid', 'bad'), { reason: 'Invalid', message: 'bad' });
  t.deepEqual(reason(400, 'BadRequest', 'strict decoding error'), {
    reason: 'BadRequest',
    message: 'strict decoding error',
  });
  t.deepEqual(reason(403, 'Forbidden', 'violates PodSecurity "restricted:latest"'), {
    reason: 'Forbidden',
    message: 'violates PodSecurity "restricted:latest"',
  });
  t.is(
    reason(403, 'Forbidden', 'User "dev" cannot patch resource "deployments" in API group "apps"'),
    undefined,
  );
  t.is(reason(409, 'Conflict', 'conflict'), undefined);
  t.is(reason(500, 'InternalError', 'etcd'), undefined);
});

test('retryTransient: retries transient failures with growing delays, gives up on the rest at once', async (t) => {
  const signal = new AbortController().signal;
  const sleeps: number[] = [];
  const policy = {
    attempts: 4,
    baseDelayMs: 100,
    maxDelayMs: 250,
    sleep: async (ms: number) => void sleeps.push(ms),
  };
  let calls = 0;
  const failing = async () => {
    calls += 1;
    throw status(503, 'ServiceUnavailable', 'down');
  };
  await t.throwsAsync(retryTransient(failing, signal, policy), { instanceOf: ApiException });
  t.is(calls, 4);
  t.deepEqual(sleeps, [100, 200, 250]);

  calls = 0;
  await t.throwsAsync(
    retryTransient(
      async () => {
        calls += 1;
        throw status(403, 'Forbidden', 'no');
      },
      signal,
      policy,
    ),
  );
  t.is(calls, 1);
});

test('an error under an aborted signal is the abort reason, otherwise a GauntletError naming the call', (t) => {
  const controller = new AbortController();
  const reason = new Error('Ctrl-C');
  controller.abort(reason);
  t.is(clusterApiError('list nodes', systemError('ECONNRESET'), controller.signal), reason);
  const error = clusterApiError('list nodes', status(401, 'Unauthorized', ''), new AbortController().signal);
  t.true(isGauntletError(error) && error.code === 'GAUNTLET_CLUSTER_API');
  t.is((error as Error).message, 'list nodes: HTTP 401 Unauthorized');
});
