// Whether this machine's kernel speaks SCTP: Docker containers share it, so the rehearsal's SCTP echo
// and probes work exactly when it does. Asked the way the agent asks (net-helper.py sctp_socket): an
// SCTP socket, which also loads the sctp module where one is installed.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

let answer: boolean | undefined;

export function kernelHasSctp(): boolean {
  if (answer !== undefined) return answer;
  try {
    execFileSync('python3', ['-c', 'import socket; socket.socket(socket.AF_INET, socket.SOCK_STREAM, 132)'], {
      stdio: 'ignore',
    });
    answer = true;
  } catch (error) {
    // No python3 here: the module's /proc entry says whether SCTP is loaded.
    answer = (error as NodeJS.ErrnoException).code === 'ENOENT' ? existsSync('/proc/net/sctp') : false;
  }
  return answer;
}
