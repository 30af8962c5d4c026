// The tool cache against a local HTTP server (127.0.0.1 only) serving fixture files: pinned hashes,
// published checksum files, mismatches, 404s, archives, and the order of strategies.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isGauntletError } from '../../../harness/errors.ts';
import { parseChecksumFile, sha256Hex } from '../../../harness/provision/checksum.ts';
import { detectPlatform, istioctlAssetNames, renderUrl } from '../../../harness/provision/platform.ts';
import type { ToolSpec } from '../../../harness/provision/tool-cache.ts';
import { cachePaths, defaultCacheDir, ToolCache } from '../../../harness/provision/tool-cache.ts';
import type { Shell } from '../../../harness/shell.ts';
import { startFixtureServer } from './helpers/fixture-server.ts';

const kindBinary = new TextEncoder().encode('#!/bin/sh\necho "kind v0.32.0 go1.24 linux/amd64"\n');
const kindHash = sha256Hex(kindBinary);

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-tools-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A shell that answers version probes from a table and records what ran. */
function fakeShell(versions: Record<string, string>): Shell & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async run(command, args) {
      calls.push([command, ...args].join(' '));
      const out = versions[command];
      return out === undefined
        ? { command: [command, ...args], exitCode: 127, stdout: '', stderr: 'not found' }
        : { command: [command, ...args], exitCode: 0, stdout: out, stderr: '' };
    },
  };
}

function kindSpec(url: string, extra: Partial<ToolSpec> = {}): ToolSpec {
  return { name: 'kind', version: 'v0.32.0', platform: 'linux-amd64', url, ...extra };
}

test('URL patterns: Go platform names, and istioctl names macOS builds osx / osx-arm64', (t) => {
  const kind = 'https://kind.sigs.k8s.io/dl/{version}/kind-{os}-{arch}';
  t.is(
    renderUrl(kind, { version: 'v0.32.0', platform: 'darwin-arm64' }),
    'https://kind.sigs.k8s.io/dl/v0.32.0/kind-darwin-arm64',
  );
  const istioctl =
    'https://github.com/istio/istio/releases/download/{version}/istioctl-{version}-{os}-{arch}.tar.gz';
  const render = (platform: 'linux-amd64' | 'darwin-amd64' | 'darwin-arm64') =>
    renderUrl(istioctl, { version: '1.30.3', platform, assetNames: istioctlAssetNames });
  t.regex(render('linux-amd64'), /\/1\.30\.3\/istioctl-1\.30\.3-linux-amd64\.tar\.gz$/);
  t.regex(render('darwin-amd64'), /\/istioctl-1\.30\.3-osx\.tar\.gz$/);
  t.regex(render('darwin-arm64'), /\/istioctl-1\.30\.3-osx-arm64\.tar\.gz$/);
  t.is(
    renderUrl('https://dl.k8s.io/release/{version}/bin/{os}/{arch}/kubectl', {
      version: 'v1.36.1',
      platform: 'linux-arm64',
    }),
    'https://dl.k8s.io/release/v1.36.1/bin/linux/arm64/kubectl',
  );
});

test('platform detection maps Node names to Go names and refuses the rest', (t) => {
  t.is(detectPlatform('linux', 'x64').id, 'linux-amd64');
  t.is(detectPlatform('darwin', 'arm64').id, 'darwin-arm64');
  const error = t.throws(() => detectPlatform('win32', 'x64'));
  t.regex(error?.message ?? '', /win32\/x64/);
});

test('checksum files: bare hash (kubectl), "hash  name" lines (kind, istio), several files', (t) => {
  const hash = 'a'.repeat(64);
  const other = 'b'.repeat(64);
  t.is(parseChecksumFile(`${hash}\n`, 'kubectl'), hash);
  t.is(parseChecksumFile(`${hash}  kind-linux-amd64\n`, 'kind-linux-amd64'), hash);
  t.is(
    parseChecksumFile(`${other}  kind-darwin-arm64\n${hash} *kind-linux-amd64\n`, 'kind-linux-amd64'),
    hash,
  );
  t.is(parseChecksumFile(`${other}  something-else\n`, 'kind-linux-amd64'), undefined);
  t.is(parseChecksumFile('<html>not found</html>', 'x'), undefined);
});

test('default cache dir: $GAUNTLET_CACHE_DIR, else ~/.cache/gauntlet', (t) => {
  t.is(defaultCacheDir({ GAUNTLET_CACHE_DIR: '/tmp/c' }, '/home/u'), '/tmp/c');
  t.is(defaultCacheDir({}, '/home/u'), '/home/u/.cache/gauntlet');
});

test('a download matching the pinned sha256 is cached, executable, and not fetched again', async (t) => {
  const server = await startFixtureServer(t, { '/kind-linux-amd64': { body: kindBinary } });
  const cacheDir = tempDir(t);
  const cache = new ToolCache({ cacheDir, shell: fakeShell({}), ignorePath: true });
  const spec = kindSpec(server.url('/kind-linux-amd64'), { sha256: kindHash });
  const first = await cache.resolve(spec);
  t.is(first.source, 'download');
  t.is(first.sha256, kindHash);
  t.is(first.path, cachePaths(cacheDir, spec).binary);
  t.deepEqual(readFileSync(first.path), Buffer.from(kindBinary));
  t.true((statSync(first.path).mode & 0o111) !== 0, 'made executable');
  const record = JSON.parse(readFileSync(cachePaths(cacheDir, spec).record, 'utf8'));
  t.is(record.sha256, kindHash);
  t.is(record.verifiedAgainst, 'pinned');
  const second = await cache.resolve(spec);
  t.is(second.source, 'cache');
  t.is(server.hits('/kind-linux-amd64'), 1);
});

test('a download whose sha256 differs from the pin is refused, naming the URL, and nothing is cached', async (t) => {
  const server = await startFixtureServer(t, { '/kind-linux-amd64': { body: kindBinary } });
  const cacheDir = tempDir(t);
  const cache = new ToolCache({ cacheDir, shell: fakeShell({}), ignorePath: true });
  const url = server.url('/kind-linux-amd64');
  const error = await t.throwsAsync(cache.resolve(kindSpec(url, { sha256: 'f'.repeat(64) })));
  t.true(isGauntletError(error) && error.code === 'GAUNTLET_TOOL_CHECKSUM_MISMATCH');
  t.true(error?.message.includes(url));
  t.true(error?.message.includes(kindHash), 'says what was seen');
  t.throws(() => statSync(cachePaths(cacheDir, kindSpec(url)).binary));
});

test('a 404 is a download error naming the URL', async (t) => {
  const server = await startFixtureServer(t, {});
  const cache = new ToolCache({ cacheDir: tempDir(t), shell: fakeShell({}), ignorePath: true });
  const url = server.url('/kind-linux-amd64');
  const error = await t.throwsAsync(cache.resolve(kindSpec(url, { sha256: kindHash })));
  t.true(isGauntletError(error) && error.code === 'GAUNTLET_TOOL_DOWNLOAD_FAILED');
  t.is(error?.message, `download of ${url} failed: HTTP 404 Not Found`);
});

test('an unreachable host is a download error naming the URL', async (t) => {
  const server = await startFixtureServer(t, {});
  // A port that was just free on loopback: connection refused, never leaves the machine.
  const url = server.url('/x').replace(/:\d+\//, ':1/');
  const cache = new ToolCache({ cacheDir: tempDir(t), shell: fakeShell({}), ignorePath: true });
  const error = await t.throwsAsync(cache.resolve(kindSpec(url, { sha256: kindHash })));
  t.true(isGauntletError(error) && error.code === 'GAUNTLET_TOOL_DOWNLOAD_FAILED');
  t.true(error?.message.startsWith(`download of ${url} failed:`));
});

test('without a pin, the published checksum file verifies the download and its hash is recorded', async (t) => {
  const server = await startFixtureServer(t, {
    '/kind-linux-amd64': { body: kindBinary },
    '/kind-linux-amd64.sha256sum': { body: `${kindHash}  kind-linux-amd64\n` },
  });
  const cacheDir = tempDir(t);
  const cache = new ToolCache({ cacheDir, shell: fakeShell({}), ignorePath: true });
  const spec = kindSpec(server.url('/kind-linux-amd64'), {
    checksumUrl: server.url('/kind-linux-amd64.sha256sum'),
  });
  const tool = await cache.resolve(spec);
  t.is(tool.sha256, kindHash);
  const record = JSON.parse(readFileSync(cachePaths(cacheDir, spec).record, 'utf8'));
  t.is(record.verifiedAgainst, 'checksum-file');
  t.is(record.sha256, kindHash);
});

test('a published checksum that does not match is refused', async (t) => {
  const server = await startFixtureServer(t, {
    '/kind-linux-amd64': { body: kindBinary },
    '/kind-linux-amd64.sha256sum': { body: `${'0'.repeat(64)}  kind-linux-amd64\n` },
  });
  const cache = new ToolCache({ cacheDir: tempDir(t), shell: fakeShell({}), ignorePath: true });
  const error = await t.throwsAsync(
    cache.resolve(
      kindSpec(server.url('/kind-linux-amd64'), { checksumUrl: server.url('/kind-linux-amd64.sha256sum') }),
    ),
  );
  t.true(isGauntletError(error) && error.code === 'GAUNTLET_TOOL_CHECKSUM_MISMATCH');
  t.regex(error?.message ?? '', /published in http:\/\/127\.0\.0\.1:\d+\/kind-linux-amd64\.sha256sum/);
});

test('no pin and no checksum file: refused with the pin command as the fix', async (t) => {
  const server = await startFixtureServer(t, { '/kind-linux-amd64': { body: kindBinary } });
  const cache = new ToolCache({ cacheDir: tempDir(t), shell: fakeShell({}), ignorePath: true });
  const error = await t.throwsAsync(cache.resolve(kindSpec(server.url('/kind-linux-amd64'))));
  t.true(isGauntletError(error) && error.fix?.includes('gauntlet versions pin') === true);
  t.is(server.hits('/kind-linux-amd64'), 0, 'nothing unverifiable is downloaded');
});

test('istioctl comes out of its tarball; the recorded hash is the archive', async (t) => {
  const work = tempDir(t);
  writeFileSync(join(work, 'istioctl'), '#!/bin/sh\necho istioctl\n');
  writeFileSync(join(work, 'README'), 'other file first');
  const tar = spawnSync('tar', ['-czf', join(work, 'istioctl.tar.gz'), '-C', work, 'README', 'istioctl']);
  t.is(tar.status, 0, String(tar.stderr));
  const archive = readFileSync(join(work, 'istioctl.tar.gz'));
  const server = await startFixtureServer(t, {
    '/istioctl-1.30.3-linux-amd64.tar.gz': { body: archive },
    '/istioctl-1.30.3-linux-amd64.tar.gz.sha256': {
      body: `${sha256Hex(archive)}  istioctl-1.30.3-linux-amd64.tar.gz\n`,
    },
  });
  const cacheDir = tempDir(t);
  const cache = new ToolCache({ cacheDir, shell: fakeShell({}), ignorePath: true });
  const tool = await cache.resolve({
    name: 'istioctl',
    version: '1.30.3',
    platform: 'linux-amd64',
    url: server.url('/istioctl-1.30.3-linux-amd64.tar.gz'),
    checksumUrl: server.url('/istioctl-1.30.3-linux-amd64.tar.gz.sha256'),
    archiveEntry: 'istioctl',
  });
  t.is(readFileSync(tool.path, 'utf8'), '#!/bin/sh\necho istioctl\n');
  t.is(tool.sha256, sha256Hex(archive));
});

test('strategy order: PATH at the pinned version wins and nothing is downloaded', async (t) => {
  const bin = tempDir(t);
  const kindPath = join(bin, 'kind');
  writeFileSync(kindPath, kindBinary);
  chmodSync(kindPath, 0o755);
  const server = await startFixtureServer(t, { '/kind-linux-amd64': { body: kindBinary } });
  const shell = fakeShell({ [kindPath]: 'kind v0.32.0 go1.24.0 linux/amd64\n' });
  const cache = new ToolCache({ cacheDir: tempDir(t), shell, searchPath: bin });
  const tool = await cache.resolve(kindSpec(server.url('/kind-linux-amd64'), { sha256: kindHash }));
  t.is(tool.source, 'path');
  t.is(tool.path, kindPath);
  t.deepEqual(shell.calls, [`${kindPath} version`]);
  t.is(server.hits('/kind-linux-amd64'), 0);
});

test('strategy order: a wrong version on PATH says why, then the cache, then the download', async (t) => {
  const bin = tempDir(t);
  const kindPath = join(bin, 'kind');
  writeFileSync(kindPath, '#!/bin/sh\n');
  chmodSync(kindPath, 0o755);
  const server = await startFixtureServer(t, { '/kind-linux-amd64': { body: kindBinary } });
  const logs: string[] = [];
  const cacheDir = tempDir(t);
  const cache = new ToolCache({
    cacheDir,
    shell: fakeShell({ [kindPath]: 'kind v0.31.0 go1.24.0 linux/amd64\n' }),
    searchPath: bin,
    log: (message) => logs.push(message),
  });
  const tool = await cache.resolve(kindSpec(server.url('/kind-linux-amd64'), { sha256: kindHash }));
  t.is(tool.source, 'download');
  t.deepEqual(tool.skipped, [
    `PATH: ${kindPath} is 0.31.0, the pin is v0.32.0`,
    `cache: not in ${cachePaths(cacheDir, kindSpec('')).dir}`,
  ]);
  t.is(logs.length, 1);
  t.regex(logs[0] ?? '', /PATH: .* is 0\.31\.0, the pin is v0\.32\.0; cache: not in/);
});

test('a cached binary changed after verification is not trusted', async (t) => {
  const server = await startFixtureServer(t, { '/kind-linux-amd64': { body: kindBinary } });
  const cacheDir = tempDir(t);
  const cache = new ToolCache({ cacheDir, shell: fakeShell({}), ignorePath: true });
  const spec = kindSpec(server.url('/kind-linux-amd64'), { sha256: kindHash });
  const first = await cache.resolve(spec);
  writeFileSync(first.path, 'tampered');
  const located = await cache.locate(spec);
  t.deepEqual(located, { skipped: [`cache: cached ${first.path} changed since it was verified`] });
  const again = await cache.resolve(spec);
  t.is(again.source, 'download');
  t.is(server.hits('/kind-linux-amd64'), 2);
  t.deepEqual(readFileSync(again.path), Buffer.from(kindBinary));
});
