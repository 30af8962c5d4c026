// Reading back, on every node, that Felix has applied `bpfConnectTimeLoadBalancing: Disabled`.
//
// Why the calico-node rollout proves nothing: patching the FelixConfiguration changes no pod
// template, so the DaemonSet never rolls. Felix itself reacts: every changed parameter outside
// `handledConfigChanges` (CalicoVersion, ClusterGUID, ClusterType, HealthTimeoutOverrides) logs
// "Configuration value changed; change DOES require Felix to restart." and shuts Felix down
// (projectcalico/calico felix/daemon/daemon.go handleConfigUpdate @v3.31.7 and @v3.32.1, exit code
// configChangedRC 129); runit inside the calico-node container starts it again
// (node/filesystem/etc/service/available/felix/run: `exec calico-node -felix`). The container keeps
// running, so neither the DaemonSet nor the pod's restart count shows any of it.
//
// What can be read back: the kernel's own state. The restarted Felix, seeing
// BPFConnTimeLB == Disabled, calls bpfnat.RemoveConnectTimeLoadBalancer, which detaches the
// connect-time programs (felix/dataplane/linux/int_dataplane.go; felix/bpf/nat/connecttime.go
// detachCtlbPrograms). Felix attaches them to the cgroup v2 root it mounts at
// bpfdefs.GetCgroupV2Path() = $CALICO_CGROUP_PATH or /run/calico/cgroup (felix/bpf/bpfdefs/defs.go;
// the operator sets CALICO_CGROUP_PATH only from FelixConfiguration spec.cgroupV2Path:
// tigera/operator pkg/render/node.go @v1.42.3; the local-only DebugBPFCgroupV2 subpath is unset),
// on the hooks of its SEC("cgroup/connect4|sendmsg4|recvmsg4|connect6|sendmsg6|recvmsg6") programs
// (felix/bpf-gpl/connect_balancer*.c). calico-node ships bpftool (node/Dockerfile `COPY --from=bpftool
// /bpftool /bin/bpftool`, calico/bpftool:v7.5.0 in metadata.mk of both releases), and `bpftool -j
// cgroup show PATH` lists the programs attached to exactly that cgroup. So Felix has applied the
// setting on a node when no program sits on those six hooks of that cgroup and calico-node is Ready
// again (its readiness probe asks Felix). Before the patch they are attached: with TCP (the default)
// Felix attaches at least the connect programs or panics.
import { GauntletError } from '../errors.ts';
import type { PollResult } from './wait.ts';

export const calicoNamespace = 'calico-system';

/**
 * calico-node pods: the operator's DaemonSet `calico-node` in calico-system, selected by
 * `k8s-app: calico-node` (tigera/operator pkg/controller/utils/component.go sets the selector
 * `k8s-app: <name>` on every DaemonSet it renders; pkg/render/node.go CalicoNodeObjectName).
 */
export function calicoNodePodsArgs(kubeconfig: string): string[] {
  return [
    '--kubeconfig',
    kubeconfig,
    'get',
    'pods',
    '-n',
    calicoNamespace,
    '-l',
    'k8s-app=calico-node',
    '-o',
    'json',
  ];
}

/**
 * The shell line run in the calico-node container: the cgroup path as Felix computes it
 * (bpfdefs.GetCgroupV2Path), then bpftool's JSON listing of the programs attached there.
 */
export const cgroupShowScript = 'exec bpftool -j cgroup show "${CALICO_CGROUP_PATH:-/run/calico/cgroup}"';

/** `kubectl exec` into the calico-node container (pkg/render/node.go nodeContainer: Name calico-node). */
export function cgroupProgramsArgs(kubeconfig: string, pod: string): string[] {
  return [
    '--kubeconfig',
    kubeconfig,
    'exec',
    '-n',
    calicoNamespace,
    pod,
    '-c',
    'calico-node',
    '--',
    'sh',
    '-c',
    cgroupShowScript,
  ];
}

export interface CalicoNodePod {
  pod: string;
  node: string;
  /** The calico-node container's Ready, which its readiness probe takes from Felix. */
  ready: boolean;
}

type Doc = Record<string, unknown>;
const record = (value: unknown): Doc =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Doc) : {};

export function parseCalicoNodePods(json: string): CalicoNodePod[] {
  const items = record(JSON.parse(json))['items'];
  return (Array.isArray(items) ? items : []).flatMap((item: unknown) => {
    const pod = String(record(record(item)['metadata'])['name'] ?? '');
    const node = String(record(record(item)['spec'])['nodeName'] ?? '');
    if (!pod || !node) return [];
    const statuses = record(record(item)['status'])['containerStatuses'];
    const container = (Array.isArray(statuses) ? statuses : [])
      .map(record)
      .find((status) => status['name'] === 'calico-node');
    return [{ pod, node, ready: container?.['ready'] === true }];
  });
}

/**
 * The six sock_addr hooks of the connect-time load balancer, as bpftool names them:
 * libbpf_bpf_attach_type_str (libbpf src/libbpf.c attach_type_name, bpftool src/cgroup.c show_bpf_prog
 * @v7.5.0) and, for bpftool before v7, the short names of its old table.
 */
const ctlbHooks = new Set([
  'cgroup_inet4_connect',
  'cgroup_inet6_connect',
  'cgroup_udp4_sendmsg',
  'cgroup_udp6_sendmsg',
  'cgroup_udp4_recvmsg',
  'cgroup_udp6_recvmsg',
  'connect4',
  'connect6',
  'sendmsg4',
  'sendmsg6',
  'recvmsg4',
  'recvmsg6',
]);

export interface CgroupProgram {
  name: string;
  attachType: string;
}

/**
 * The connect-time programs in `bpftool -j cgroup show` output: a JSON array of
 * {id, attach_type, attach_flags, name, ...}, or nothing but a newline when no program is attached
 * (do_show returns before opening the array; json_writer's jsonw_destroy prints "\n").
 */
export function parseCtlbPrograms(stdout: string): CgroupProgram[] {
  if (stdout.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed))
    throw new GauntletError(
      'GAUNTLET_PROVISION_FAILED',
      `bpftool -j cgroup show in calico-node printed no program list: ${stdout.trim().slice(0, 200)}`,
      'check that the calico-node image of the pinned Calico release still ships bpftool',
    );
  return parsed
    .map(record)
    .map((program) => ({
      name: String(program['name'] ?? '?'),
      attachType: String(program['attach_type'] ?? '?'),
    }))
    .filter((program) => ctlbHooks.has(program.attachType));
}

/** What one poll saw on one node. */
export type NodeCtlbState =
  | { node: string; kind: 'no-pod' }
  | { node: string; kind: 'unreadable'; error: string }
  | { node: string; kind: 'read'; ready: boolean; programs: CgroupProgram[] };

/**
 * Before the patch every node must show its connect-time program: the read-back after it can only
 * prove the programs went if it can see them at all (a cgroup path or hook names bpftool does not
 * match would read "none" on every node and pass at once). Undefined when every node shows one.
 */
export function ctlbAttachedProblem(states: readonly NodeCtlbState[]): string | undefined {
  const blind = states.flatMap((state): string[] => {
    if (state.kind === 'no-pod') return [`${state.node}: no calico-node pod`];
    if (state.kind === 'unreadable') return [`${state.node}: ${state.error}`];
    return state.programs.length === 0 ? [`${state.node}: no connect-time program`] : [];
  });
  if (states.length > 0 && blind.length === 0) return undefined;
  return `before disabling it, bpftool in calico-node sees no eBPF connect-time load balancer to wait for (${blind.join('; ') || 'no node'}): the read-back could not tell it went`;
}

export function ctlbDisabledReadiness(states: readonly NodeCtlbState[]): PollResult<void> {
  const pending = states.flatMap((state): string[] => {
    if (state.kind === 'no-pod') return [`${state.node}: no calico-node pod`];
    if (state.kind === 'unreadable') return [`${state.node}: ${state.error}`];
    if (state.programs.length > 0)
      return [
        `${state.node}: ${state.programs.map((program) => `${program.name} (${program.attachType})`).join(', ')} still attached`,
      ];
    return state.ready ? [] : [`${state.node}: calico-node not Ready`];
  });
  return {
    done: states.length > 0 && pending.length === 0,
    seen: pending.length
      ? pending.join('; ')
      : `no connect-time load balancer program on ${states.map((state) => state.node).join(', ')}`,
  };
}
