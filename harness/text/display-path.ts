// A path as a person typed it: relative when it lies under the working directory, absolute when it
// does not (`../../tmp/r/report.html` helps nobody).
import { isAbsolute, relative } from 'node:path';

export function displayPath(cwd: string, path: string): string {
  const inside = relative(cwd, path);
  if (inside === '') return path;
  return inside.startsWith('..') || isAbsolute(inside) ? path : inside;
}
