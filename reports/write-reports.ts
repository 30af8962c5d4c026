// The one module of `gauntlet report` that touches the file system: renders every format from the
// model (pure writers) and writes them into the output folder.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Controls } from '../harness/model/controls.ts';
import type { Results } from '../harness/model/results.ts';
import { renderHtml } from './html.ts';
import { renderJson } from './json.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';
import { renderOscal } from './oscal.ts';
import type { ReportModel } from './summary-model.ts';
import { buildReportModel } from './summary-model.ts';

export const reportFiles = {
  json: 'results.json',
  junit: 'junit.xml',
  markdown: 'summary.md',
  html: 'report.html',
  oscal: 'oscal-assessment-results.json',
} as const;

export type ReportFormat = keyof typeof reportFiles;

/** Every report as text, by format. Pure. */
export function renderReports(
  results: Results,
  controls: Controls,
  options: { now: Date; gauntletVersion: string },
): { model: ReportModel; files: Record<ReportFormat, string> } {
  const model = buildReportModel(results, controls, options.now);
  return {
    model,
    files: {
      json: renderJson(results),
      junit: renderJunit(model),
      markdown: renderMarkdown(model),
      html: renderHtml(model),
      oscal: renderOscal(model, controls, options.gauntletVersion),
    },
  };
}

/** Writes the rendered reports into `dir`; returns the paths written. */
export function writeReports(dir: string, files: Record<ReportFormat, string>): string[] {
  mkdirSync(dir, { recursive: true });
  return (Object.keys(reportFiles) as ReportFormat[]).map((format) => {
    const path = join(dir, reportFiles[format]);
    writeFileSync(path, files[format]);
    return path;
  });
}
