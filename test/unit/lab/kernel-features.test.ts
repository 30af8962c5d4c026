// The lab's decision on what this kernel provides (harness/lab/kernel-features.ts): which answers of an
// SCTP socket() skip the SCTP cases, which run them, and which are no answer at all.
import test from 'ava';
import { sctpSupport, unmetNeed } from '../../../harness/lab/kernel-features.ts';
import type { KernelFeatures } from '../../../harness/lab/kernel-features.ts';

const printed = (stdout: string, exitCode = 0, stderr = '') => ({ exitCode, stdout, stderr });

test('a socket opened: SCTP is there', (t) => {
  t.deepEqual(sctpSupport(printed('ok\n')), { available: true });
});

test('the errnos of a kernel without SCTP skip, with one line that names the errno and the fix', (t) => {
  t.deepEqual(sctpSupport(printed('EPROTONOSUPPORT\n')), {
    available: false,
    reason: 'this kernel has no SCTP (socket() gives EPROTONOSUPPORT): load the sctp module to run it',
  });
  for (const errno of ['ESOCKTNOSUPPORT', 'EAFNOSUPPORT']) {
    const support = sctpSupport(printed(`${errno}\n`));
    t.false(support.available, errno);
    t.is(
      support.available ? '' : support.reason,
      `this kernel has no SCTP (socket() gives ${errno}): load the sctp module to run it`,
    );
  }
});

test("another refusal is no fact about the kernel's SCTP: the cases run and meet it themselves", (t) => {
  for (const said of ['EPERM', 'EACCES', 'EMFILE', 'errno 523'])
    t.deepEqual(sctpSupport(printed(`${said}\n`)), { available: true }, said);
});

test('an answer that is none (python3 failed, or printed something else) is an error, never a guess', (t) => {
  t.throws(() => sctpSupport(printed('', 1, 'Traceback (most recent call last):\nSyntaxError: bad')), {
    message: /could not tell whether this kernel has SCTP: python3 exited 1 printing "" \(SyntaxError: bad\)/,
  });
  t.throws(() => sctpSupport(printed('maybe\n')), { message: /printing "maybe"/ });
  t.throws(() => sctpSupport(printed('EPROTONOSUPPORT\n', 137)), { message: /exited 137/ });
});

test('a case needing nothing, or what the kernel has, runs; one needing what it lacks gets the reason', (t) => {
  const without: KernelFeatures = { sctp: { available: false, reason: 'no SCTP here' } };
  const withSctp: KernelFeatures = { sctp: { available: true } };
  t.is(unmetNeed(undefined, without), undefined);
  t.is(unmetNeed('sctp', withSctp), undefined);
  t.is(unmetNeed('sctp', without), 'no SCTP here');
});
