// How the agent starts another copy of itself (as UID 1337 for run-as-1337 and the envoy hijack
// forwarder): the same node, the same loader flags (tsx when run from sources), the same entry file.

export function selfCommand(mode: string, args: readonly string[] = []): { command: string; args: string[] } {
  const entry = process.argv[1];
  if (!entry) throw new Error('cannot tell the agent entry file (process.argv[1] is empty)');
  return { command: process.execPath, args: [...process.execArgv, entry, mode, ...args] };
}
