// Reads one regular file out of a .tar.gz held in memory (istioctl ships as a one-file tarball:
// istio/release-builder pkg/build/archive.go `tar -czf istioctl-<v>-<arch>.tar.gz istioctl`).
// Parses ustar headers (POSIX.1-1988 / pax: name at 0..100, size octal at 124..136, type at 156,
// prefix at 345..500; pax 'x' headers may carry a longer `path`).
import { gunzipSync } from 'node:zlib';

const block = 512;

function field(header: Uint8Array, start: number, length: number): string {
  const bytes = header.subarray(start, start + length);
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end === -1 ? bytes : bytes.subarray(0, end));
}

function paxPath(data: Uint8Array): string | undefined {
  for (const record of new TextDecoder().decode(data).split('\n')) {
    const match = /^\d+ path=(.*)$/.exec(record);
    if (match) return match[1];
  }
  return undefined;
}

/** Returns the content of the entry whose base name is `name`, or undefined when there is none. */
export function extractFromTarGz(archive: Uint8Array, name: string): Uint8Array | undefined {
  const tar = gunzipSync(archive);
  let offset = 0;
  let nextPath: string | undefined;
  while (offset + block <= tar.length) {
    const header = tar.subarray(offset, offset + block);
    if (header.every((byte) => byte === 0)) return undefined; // end of archive
    const size = Number.parseInt(field(header, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156] ?? 0);
    const prefix = field(header, 345, 155);
    const path = nextPath ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    const dataStart = offset + block;
    const data = tar.subarray(dataStart, dataStart + size);
    nextPath = undefined;
    if (type === 'x') nextPath = paxPath(data);
    else if ((type === '0' || type === '\0') && path.replace(/^.*\//, '') === name) return data;
    offset = dataStart + Math.ceil(size / block) * block;
  }
  return undefined;
}
