// Choosing a cluster the user already runs: a context of their kubeconfig, never the current one by
// accident. The kubeconfig files are found the way kubectl finds them (--kubeconfig, else every
// file of $KUBECONFIG merged, else ~/.kube/config:
// kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/#the-kubeconfig-environment-variable),
// and the named context must exist in them. Failing to reach the API server, or being refused by
// it, is one line naming the fix. Authentication plugins (exec: aws, gke-gcloud-auth-plugin, kubelogin)
// are client-node's (node_modules/@kubernetes/client-node/dist/exec_auth.js).
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { GauntletError } from '../errors.ts';
import { apiStatusOf, describeApiError } from './api-errors.ts';
import type { KubernetesCluster, KubernetesClusterOptions } from './kubernetes-cluster.ts';
import { connectCluster } from './kubernetes-cluster.ts';

export interface ContextChoice {
  context: string;
  /** --kubeconfig FILE; otherwise $KUBECONFIG, then ~/.kube/config. */
  kubeconfig?: string;
}

export interface LoadedContext {
  /** The kubeconfig with `context` made current (in memory only: no file is written). */
  kubeConfig: KubeConfig;
  context: string;
  /** The API server URL of the context's cluster. */
  apiServer: string;
  /** The files read, in order. */
  files: string[];
}

/** The kubeconfig files kubectl would read, in order. */
export function kubeconfigFiles(flag: string | undefined, env: NodeJS.ProcessEnv): string[] {
  if (flag) return [flag];
  const fromEnv = (env['KUBECONFIG'] ?? '').split(delimiter).filter((file) => file !== '');
  if (fromEnv.length > 0) return fromEnv;
  const home = env['HOME'] ?? env['USERPROFILE'];
  return home ? [join(home, '.kube', 'config')] : [];
}

/** `--context NAME`: loads the kubeconfig and selects NAME, or says exactly what is wrong. */
export function loadContext(choice: ContextChoice, env: NodeJS.ProcessEnv): LoadedContext {
  const files = kubeconfigFiles(choice.kubeconfig, env);
  // kubectl skips $KUBECONFIG entries that do not exist; a --kubeconfig that does not exist is an error.
  const present = choice.kubeconfig ? files : files.filter((file) => existsSync(file));
  if (present.length === 0 || (choice.kubeconfig && !existsSync(choice.kubeconfig)))
    throw new GauntletError(
      'GAUNTLET_NOT_FOUND',
      `no kubeconfig to find context "${choice.context}" in: ${files.length > 0 ? `${files.join(', ')} not found` : 'neither --kubeconfig, $KUBECONFIG nor $HOME is set'}`,
      'pass --kubeconfig FILE, or set KUBECONFIG',
    );
  const kubeConfig = new KubeConfig();
  for (const [index, file] of present.entries()) {
    const loaded = index === 0 ? kubeConfig : new KubeConfig();
    try {
      loaded.loadFromFile(file);
    } catch (error) {
      throw new GauntletError(
        'GAUNTLET_NOT_FOUND',
        `cannot read kubeconfig ${file}: ${describeApiError(error)}`,
        'check the file (kubectl config view --kubeconfig FILE)',
        { cause: error },
      );
    }
    // The first file to define a name wins, as kubectl merges
    // (kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/#merging-kubeconfig-files);
    // client-node's mergeConfig refuses duplicates instead.
    if (index > 0) {
      for (const cluster of loaded.getClusters())
        if (!kubeConfig.getCluster(cluster.name)) kubeConfig.addCluster(cluster);
      for (const user of loaded.getUsers()) if (!kubeConfig.getUser(user.name)) kubeConfig.addUser(user);
      for (const context of loaded.getContexts())
        if (!kubeConfig.getContextObject(context.name)) kubeConfig.addContext(context);
    }
  }
  const context = kubeConfig.getContextObject(choice.context);
  if (!context) {
    const known = kubeConfig.getContexts().map((entry) => entry.name);
    throw new GauntletError(
      'GAUNTLET_USAGE',
      `context "${choice.context}" is not in ${present.join(', ')}${known.length > 0 ? ` (contexts: ${known.join(', ')})` : ' (it has no contexts)'}`,
      'pick one of them with --context (kubectl config get-contexts), or pass the right --kubeconfig',
    );
  }
  const cluster = kubeConfig.getCluster(context.cluster);
  if (!cluster)
    throw new GauntletError(
      'GAUNTLET_USAGE',
      `context "${choice.context}" names cluster "${context.cluster}", which ${present.join(', ')} does not define`,
      'fix the kubeconfig (kubectl config view)',
    );
  kubeConfig.setCurrentContext(choice.context);
  return { kubeConfig, context: choice.context, apiServer: cluster.server, files: present };
}

/**
 * The first call to a cluster failed: one line saying what it means and what to do. Unreachable
 * (refused, no such host, timed out), credentials refused (401), or the user may not even read
 * the server version (403).
 */
export function connectFailure(
  loaded: Pick<LoadedContext, 'context' | 'apiServer'>,
  error: unknown,
): GauntletError {
  const at = `the API server of context ${loaded.context} (${loaded.apiServer})`;
  const status = apiStatusOf(error);
  if (status?.code === 401)
    return new GauntletError(
      'GAUNTLET_CLUSTER_API',
      `${at} refused the credentials: ${describeApiError(error)}`,
      'refresh them (e.g. `aws eks update-kubeconfig`, `gcloud container clusters get-credentials`, or log in again), then check with `kubectl --context ' +
        `${loaded.context} get --raw /version\``,
      { cause: error },
    );
  if (status?.code === 403)
    return new GauntletError(
      'GAUNTLET_CLUSTER_API',
      `${at} says the kubeconfig's user may not read it: ${describeApiError(error)}`,
      'bind the permissions `gauntlet rbac` prints to that user',
      { cause: error },
    );
  const cause = innermost(error);
  return new GauntletError(
    'GAUNTLET_CLUSTER_API',
    `cannot reach ${at}: ${cause}`,
    `check that the cluster is up and reachable from here (VPN, proxy, firewall): kubectl --context ${loaded.context} get --raw /readyz`,
    { cause: error },
  );
}

/** node-fetch wraps the socket error (`request to ... failed, reason: connect ECONNREFUSED`); say the reason. */
function innermost(error: unknown): string {
  let current: unknown = error;
  const seen = new Set<unknown>();
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return `${code} (${describeApiError(current)})`;
    current = cause;
  }
  return describeApiError(error);
}

export interface ConnectedContext {
  loaded: LoadedContext;
  cluster: KubernetesCluster;
  /** The server's gitVersion, read to prove the server answers. */
  version: string;
}

/**
 * Loads the context and proves the API server answers (GET /version), retrying a refused or reset
 * connection only briefly: a cluster that is not there should say so in seconds, not minutes.
 */
export async function connectContext(
  choice: ContextChoice,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
  options: KubernetesClusterOptions = {},
): Promise<ConnectedContext> {
  const loaded = loadContext(choice, env);
  const probe = connectCluster(loaded.kubeConfig, {
    ...options,
    requestTimeoutMs: options.requestTimeoutMs ?? 15_000,
    retry: { attempts: 2, ...options.retry },
  });
  let version: string;
  try {
    version = await probe.serverVersion(signal);
  } catch (error) {
    if (signal.aborted) throw error;
    throw connectFailure(loaded, (error as { cause?: unknown }).cause ?? error);
  }
  return { loaded, cluster: connectCluster(loaded.kubeConfig, options), version };
}
