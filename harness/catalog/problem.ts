// A problem found in an input file, located to the line and column, and how it prints:
// `file:line:col: path.to.field: message` (the format editors and CI annotations understand).

export type PathSegment = string | number;

export interface Problem {
  file: string;
  line: number;
  column: number;
  /** Dotted path to the field, e.g. `probes[2].to.workload`; empty for the whole file. */
  path: string;
  message: string;
  severity: 'error' | 'warning';
}

export function formatPath(path: readonly PathSegment[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

export function formatProblem(problem: Problem): string {
  const place = problem.path === '' ? '' : `${problem.path}: `;
  const severity = problem.severity === 'warning' ? 'warning: ' : '';
  return `${problem.file}:${problem.line}:${problem.column}: ${severity}${place}${problem.message}`;
}

export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) =>
      a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.path.localeCompare(b.path),
  );
}
