// A YAML file kept with its source positions, so every problem can point at the line and column of
// the field it is about. Uses the `yaml` package's document model (ranges on every node).
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, parseDocument } from 'yaml';
import type { Document, Node, Pair } from 'yaml';
import type { PathSegment, Problem } from './problem.ts';
import { formatPath } from './problem.ts';

export interface Position {
  line: number;
  column: number;
}

export class YamlSource {
  private data: unknown;

  private constructor(
    readonly file: string,
    readonly document: Document.Parsed,
    private readonly lineCounter: LineCounter,
  ) {}

  /** Parses one YAML document; syntax errors and an empty file come back as problems. */
  static parse(file: string, text: string): { source?: YamlSource; problems: Problem[] } {
    const lineCounter = new LineCounter();
    const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
    const source = new YamlSource(file, document, lineCounter);
    const problems = source.syntaxProblems();
    if (problems.length === 0) problems.push(...source.convert());
    if (problems.length > 0) return { problems };
    if (document.contents === null || text.trim() === '')
      return {
        problems: [
          source.problemAt([], 'the file is empty (see the JSON Schema beside the catalog for its shape)'),
        ],
      };
    return { source, problems: [] };
  }

  /** Parses a multi-document YAML file (manifests); empty documents are skipped. */
  static parseAll(file: string, text: string): { sources: YamlSource[]; problems: Problem[] } {
    const lineCounter = new LineCounter();
    const documents = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
    const list = Array.isArray(documents) ? documents : [];
    const sources = list.map((document) => new YamlSource(file, document, lineCounter));
    const problems = sources.flatMap((source) => source.syntaxProblems());
    if (problems.length === 0) problems.push(...sources.flatMap((source) => source.convert()));
    if (problems.length > 0) return { sources: [], problems };
    const nonEmpty = sources.filter((source) => source.document.contents !== null);
    if (nonEmpty.length === 0) {
      const empty = new YamlSource(file, parseDocument('', { lineCounter }), lineCounter);
      return {
        sources: [],
        problems: [empty.problemAt([], 'the file is empty; it should hold Kubernetes objects')],
      };
    }
    return { sources: nonEmpty, problems: [] };
  }

  /** The document as plain data (converted once at parse time). */
  toJS(): unknown {
    return this.data;
  }

  /** Converts to plain data; a failure (an alias to an anchor in another document) is a problem. */
  private convert(): Problem[] {
    try {
      this.data = this.document.toJS({ maxAliasCount: 100 });
      return [];
    } catch (error) {
      const message = (error as Error).message.split('\n')[0] ?? 'cannot be read';
      return [this.problemAt([], `YAML error: ${message} (anchors do not carry across --- documents)`)];
    }
  }

  private syntaxProblems(): Problem[] {
    return [...this.document.errors, ...this.document.warnings].map((error) => {
      const position = error.linePos?.[0] ?? this.lineCounter.linePos(error.pos[0]);
      const message = error.message.split('\n')[0] ?? error.message;
      return {
        file: this.file,
        line: position.line,
        column: position.col,
        path: '',
        message: `YAML ${error instanceof Error && error.name === 'YAMLWarning' ? 'warning' : 'syntax error'}: ${message}`,
        severity: 'error' as const,
      };
    });
  }

  /**
   * Where a path points: the value node, or with `key` the key of the last segment (for unknown
   * keys). Walks as deep as the document goes, so a missing field points at its parent.
   */
  positionOf(path: readonly PathSegment[], options: { key?: boolean } = {}): Position {
    let node: unknown = this.document.contents;
    let offset = rangeStart(node) ?? 0;
    for (const [index, segment] of path.entries()) {
      const last = index === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find(
          (item: Pair) => isScalar(item.key) && String(item.key.value) === String(segment),
        );
        if (!pair) break;
        if (last && options.key) {
          offset = rangeStart(pair.key) ?? offset;
          break;
        }
        node = pair.value;
        offset = rangeStart(node) ?? rangeStart(pair.key) ?? offset;
      } else if (isSeq(node) && typeof segment === 'number') {
        node = node.items[segment];
        offset = rangeStart(node) ?? offset;
        if (node === undefined) break;
      } else break;
    }
    const position = this.lineCounter.linePos(offset);
    return { line: position.line, column: position.col };
  }

  problemAt(
    path: readonly PathSegment[],
    message: string,
    options: { key?: boolean; severity?: 'error' | 'warning' } = {},
  ): Problem {
    const position = this.positionOf(path, options);
    return {
      file: this.file,
      line: position.line,
      column: position.column,
      path: formatPath(path),
      message,
      severity: options.severity ?? 'error',
    };
  }
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}
