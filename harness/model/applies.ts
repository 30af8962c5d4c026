// Whether a scenario runs on a stack (its `applies` filter against the stack's traits).
import type { Scenario } from '../model/scenario.ts';
import type { Stack } from '../model/stack.ts';

export function scenarioApplies(scenario: Scenario, stack: Stack): boolean {
  const { mesh, dataplane, admission } = scenario.applies;
  return (
    (mesh === undefined || mesh.includes(stack.mesh.mode)) &&
    (dataplane === undefined || dataplane.includes(stack.cni.dataplane)) &&
    (admission === undefined || admission.includes(stack.admission))
  );
}
