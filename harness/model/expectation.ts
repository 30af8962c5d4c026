// Matching a probe's expectations against a stack and variant: in order, first match decides.
// No match means the flow is `observed` (reported, not judged).
import type { Expectation, When } from './scenario.ts';
import type { Stack } from './stack.ts';
import type { StackTraits } from './traits.ts';
import { noCalicoVersion } from './traits.ts';
import type { AdmissionLevel } from './traits.ts';
import { versionSelected } from './version-selector.ts';

function list<T>(value: T | T[] | undefined): T[] | undefined {
  return value === undefined ? undefined : Array.isArray(value) ? value : [value];
}

export function whenMatches(when: When | undefined, traits: StackTraits, variant: string): boolean {
  if (!when) return true;
  const checks: [unknown[] | undefined, (value: never) => boolean][] = [
    [list(when.variant), (value: string) => value === variant],
    [list(when.mesh), (value: string) => value === traits.mesh],
    [list(when.dataplane), (value: string) => value === traits.dataplane],
    [list(when.admission), (value: string) => value === traits.admission],
    [list(when.calico), (value: string) => versionSelected(value, traits.calico)],
    [list(when.istio), (value: string) => versionSelected(value, traits.istio)],
  ];
  return checks.every(
    ([values, test]) => values === undefined || values.some((value) => test(value as never)),
  );
}

export function matchExpectation(
  expectations: readonly Expectation[],
  traits: StackTraits,
  variant: string,
): { expectation: Expectation; index: number } | undefined {
  const index = expectations.findIndex((expectation) => whenMatches(expectation.when, traits, variant));
  const expectation = expectations[index];
  return expectation ? { expectation, index } : undefined;
}

/** The traits of a stack, with a variant's admission override applied. */
export function stackTraits(stack: Stack, admissionOverride?: AdmissionLevel): StackTraits {
  return {
    stack: stack.id,
    mesh: stack.mesh.mode,
    dataplane: stack.cni.dataplane,
    admission: admissionOverride ?? stack.admission,
    // An undiscovered Calico version must satisfy no selector, not even "<v3.32".
    ...(stack.cni.version !== noCalicoVersion ? { calico: stack.cni.version } : {}),
    ...(stack.mesh.istio !== undefined ? { istio: stack.mesh.istio } : {}),
    kubernetes: stack.kubernetes,
  };
}
