// Every command of the CLI, in the order `gauntlet --help` lists them. Modules load on use, so
// `gauntlet validate` does not pay for the Kubernetes client or the report writers.
import type { Command } from '../command.ts';

export interface CommandEntry {
  name: string;
  summary: string;
  load: () => Promise<Command>;
}

export const commands: CommandEntry[] = [
  {
    name: 'validate',
    summary: 'check scenarios, stacks, matrix and versions; one line per problem',
    load: async () => (await import('./validate.ts')).validateCommand,
  },
  {
    name: 'list',
    summary: 'list scenarios, stacks and the nightly matrix',
    load: async () => (await import('./list.ts')).listCommand,
  },
  {
    name: 'plan',
    summary: 'print the steps of a run and write every object it would apply (no cluster needed)',
    load: async () => (await import('./plan.ts')).planCommand,
  },
  {
    name: 'run',
    summary: 'run the scenarios on a real kind cluster (or one you name with --context) and judge every flow',
    load: async () => (await import('./run.ts')).runCommand,
  },
  {
    name: 'discover',
    summary: 'print what a cluster you run offers as a stack: versions, Calico, Istio modes, admission',
    load: async () => (await import('./discover.ts')).discoverCommand,
  },
  {
    name: 'cleanup',
    summary: 'delete what gauntlet runs left on a cluster (objects labelled gauntlet.dev/run only)',
    load: async () => (await import('./cleanup.ts')).cleanupCommand,
  },
  {
    name: 'rbac',
    summary: 'print the ClusterRole granting exactly what gauntlet needs on a cluster you name',
    load: async () => (await import('./rbac.ts')).rbacCommand,
  },
  {
    name: 'outside',
    summary:
      'start or stop the targets outside the cluster (relay, PostgreSQL) for runs on a cluster you name',
    load: async () => (await import('./outside.ts')).outsideCommand,
  },
  {
    name: 'doctor',
    summary: 'check Docker, disk, inotify limits and the tool cache, and say how to fix each',
    load: async () => (await import('./doctor.ts')).doctorCommand,
  },
  {
    name: 'matrix',
    summary: 'print the nightly matrix (JSON for GitHub Actions, or a table)',
    load: async () => (await import('./matrix.ts')).matrixCommand,
  },
  {
    name: 'versions',
    summary: 'show the pinned tools and manifests, or pin missing sha256 values (`versions pin`)',
    load: async () => (await import('./versions.ts')).versionsCommand,
  },
  {
    name: 'report',
    summary: 'merge results files and write JUnit, Markdown, HTML and OSCAL reports (no cluster needed)',
    load: async () => (await import('./report.ts')).reportCommand,
  },
  {
    name: 'diff',
    summary: 'compare two runs by test id: security and availability regressions, layer changes',
    load: async () => (await import('./diff.ts')).diffCommand,
  },
  {
    name: 'lab',
    summary: 'run every attack against this kernel with Istio sidecar and ambient rules (needs root)',
    load: async () => (await import('./lab.ts')).labCommand,
  },
];
