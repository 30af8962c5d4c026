// What Calico a cluster runs, from the objects Calico itself keeps. Pure: the reads are in
// cluster-facts.ts, fixtures feed this in tests.
//
// Shapes (verified against upstream):
// - The operator's Installation, operator.tigera.io/v1 `installations/default`, cluster-scoped
//   (tigera/operator api/v1/installation_types.go): spec.variant "Calico" | "CalicoEnterprise" |
//   "TigeraSecureEnterprise" (alias); spec.calicoNetwork.linuxDataplane "Iptables" | "BPF" | "VPP" |
//   "Nftables", iptables when unset ("If not specified, iptables mode is used"); status.variant,
//   status.calicoVersion, status.computed (the spec after defaults and overlays).
// - TigeraStatus, operator.tigera.io/v1 `tigerastatuses`, cluster-scoped, one per component
//   (calico, apiserver, ippools, ...): status.conditions[] of type Available | Progressing | Degraded
//   (tigera/operator api/v1/tigerastatus_types.go).
// - ClusterInformation `default`: spec.calicoVersion, spec.variant (projectcalico/api
//   pkg/apis/projectcalico/v3/clusterinfo.go), stored as crd.projectcalico.org/v1 and served as
//   projectcalico.org/v3 by the Calico API server (or by v3 CRDs).
// - FelixConfiguration `default` for manifest installs without the operator: spec.bpfEnabled,
//   spec.nftablesMode "Enabled" | "Disabled" | "Auto" (projectcalico/api .../v3/felixconfig.go).
// - Whether projectcalico.org/v3 is served: what scenarios' NetworkPolicy and GlobalNetworkPolicy
//   objects need (docs.tigera.io/calico/latest/operations/install-apiserver).
import type { ApiObject } from '../cluster.ts';
import type { Dataplane } from '../../model/traits.ts';
import { at, list, nameOf, text } from './json.ts';

export interface CalicoFacts {
  installation?: ApiObject;
  tigeraStatuses: ApiObject[];
  clusterInformation?: ApiObject;
  felixConfiguration?: ApiObject;
  /** The API server serves projectcalico.org/v3 GlobalNetworkPolicy. */
  servesV3: boolean;
}

export interface ComponentStatus {
  name: string;
  available: boolean;
  degraded?: string;
}

export type CalicoDiscovery =
  | { present: false; why: string }
  | {
      present: true;
      /** Calico, CalicoEnterprise, ...; "Calico" when nothing says otherwise. */
      variant: string;
      version?: string;
      versionFrom?: string;
      /** The dataplane gauntlet's expectations know, when it is one of them. */
      dataplane?: Dataplane;
      /** As the cluster spells it (Iptables, BPF, VPP, Nftables, or from Felix). */
      dataplaneSeen: string;
      dataplaneFrom: string;
      /** Installed and run by the Tigera operator (an Installation exists). */
      operator: boolean;
      /** projectcalico.org/v3 is served: scenarios may apply Calico policy objects. */
      apiServer: boolean;
      statuses: ComponentStatus[];
      notes: string[];
    };

const operatorDataplanes: Record<string, Dataplane | undefined> = {
  Iptables: 'iptables',
  Nftables: 'nftables',
  BPF: 'bpf',
  VPP: undefined,
};

function condition(status: ApiObject, type: string): { status?: string; message?: string } | undefined {
  const found = list(status, 'status', 'conditions').find((entry) => at(entry, 'type') === type);
  return found ? { status: text(found, 'status'), message: text(found, 'message') } : undefined;
}

export function componentStatuses(statuses: readonly ApiObject[]): ComponentStatus[] {
  return statuses
    .map((status) => {
      const degraded = condition(status, 'Degraded');
      return {
        name: nameOf(status),
        available: condition(status, 'Available')?.status === 'True',
        ...(degraded?.status === 'True' ? { degraded: degraded.message ?? 'degraded' } : {}),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

function dataplaneOf(facts: CalicoFacts): { seen: string; from: string; dataplane?: Dataplane } {
  const installation = facts.installation;
  if (installation) {
    // status.computed is what the operator rendered; spec is what the user asked.
    const computed = text(installation, 'status', 'computed', 'calicoNetwork', 'linuxDataplane');
    const spec = text(installation, 'spec', 'calicoNetwork', 'linuxDataplane');
    const seen = computed ?? spec ?? 'Iptables';
    const from = computed
      ? 'Installation status.computed.calicoNetwork.linuxDataplane'
      : spec
        ? 'Installation spec.calicoNetwork.linuxDataplane'
        : 'Installation default (linuxDataplane unset means Iptables)';
    const dataplane = operatorDataplanes[seen];
    return { seen, from, ...(dataplane ? { dataplane } : {}) };
  }
  const felix = facts.felixConfiguration;
  if (at(felix, 'spec', 'bpfEnabled') === true)
    return { seen: 'bpfEnabled', from: 'FelixConfiguration default spec.bpfEnabled', dataplane: 'bpf' };
  const nftables = text(felix, 'spec', 'nftablesMode');
  if (nftables === 'Enabled')
    return {
      seen: 'nftablesMode Enabled',
      from: 'FelixConfiguration default spec.nftablesMode',
      dataplane: 'nftables',
    };
  return {
    seen: nftables ? `nftablesMode ${nftables}` : 'iptables',
    from: felix
      ? 'FelixConfiguration default (neither bpfEnabled nor nftablesMode Enabled)'
      : 'Felix default (no FelixConfiguration default)',
    dataplane: 'iptables',
  };
}

export function interpretCalico(facts: CalicoFacts): CalicoDiscovery {
  const { installation, clusterInformation } = facts;
  if (!installation && !clusterInformation)
    return {
      present: false,
      why: 'no operator.tigera.io Installation "default" and no ClusterInformation "default"',
    };
  const notes: string[] = [];
  const versionSources: [string | undefined, string][] = [
    [text(clusterInformation, 'spec', 'calicoVersion'), 'ClusterInformation spec.calicoVersion'],
    [text(installation, 'status', 'calicoVersion'), 'Installation status.calicoVersion'],
  ];
  const versionFound = versionSources.find(([value]) => value !== undefined);
  const variant =
    text(installation, 'status', 'variant') ??
    text(installation, 'spec', 'variant') ??
    text(clusterInformation, 'spec', 'variant') ??
    'Calico';
  const dataplane = dataplaneOf(facts);
  if (!dataplane.dataplane)
    notes.push(
      `dataplane ${dataplane.seen} is not one gauntlet's expectations cover (iptables, nftables, bpf)`,
    );
  const statuses = componentStatuses(facts.tigeraStatuses);
  for (const status of statuses)
    if (!status.available || status.degraded)
      notes.push(
        `tigerastatus ${status.name} is ${status.available ? 'available but degraded' : 'not available'}${status.degraded ? `: ${status.degraded}` : ''}`,
      );
  if (!facts.servesV3)
    notes.push(
      'projectcalico.org/v3 is not served (no Calico API server): scenarios with Calico policy objects are skipped',
    );
  const version = versionFound?.[0];
  return {
    present: true,
    variant,
    ...(version ? { version: version.startsWith('v') ? version : `v${version}` } : {}),
    ...(versionFound ? { versionFrom: versionFound[1] } : {}),
    ...(dataplane.dataplane ? { dataplane: dataplane.dataplane } : {}),
    dataplaneSeen: dataplane.seen,
    dataplaneFrom: dataplane.from,
    operator: installation !== undefined,
    apiServer: facts.servesV3,
    statuses,
    notes,
  };
}
