import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { ConfigProblem } from './errors.js';

export type PathSegment = string | number;

/** "optimisers[2].lr" from ['optimisers', 2, 'lr']. */
export function pathText(path: readonly PathSegment[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/** A parsed YAML file that can say on which line a path sits. */
export class YamlSource {
  private constructor(
    readonly file: string,
    readonly data: unknown,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Parses text; syntax errors come back as problems with line numbers (data is then null). */
  static parse(text: string, file: string): { source: YamlSource | null; problems: ConfigProblem[] } {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
    if (doc.errors.length) {
      return {
        source: null,
        problems: doc.errors.map((e) => {
          const pos = lines.linePos(e.pos[0]);
          return { file, path: '', line: pos.line, column: pos.col, message: `YAML syntax error: ${e.message}` };
        }),
      };
    }
    return { source: new YamlSource(file, doc.toJS(), doc, lines), problems: [] };
  }

  /** Line and column of the deepest node of `path` present in the file (its key, for a mapping entry). */
  locate(path: readonly PathSegment[]): { line: number; column: number } | undefined {
    let node: unknown = this.doc.contents;
    let offset: number | undefined = (node as { range?: [number] } | null)?.range?.[0];
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === seg);
        if (!pair) break;
        offset = (pair.key as { range?: [number] } | null)?.range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
        node = node.items[seg];
        offset = (node as { range?: [number] } | null)?.range?.[0] ?? offset;
      } else {
        break;
      }
    }
    if (offset === undefined) return undefined;
    const pos = this.lines.linePos(offset);
    return { line: pos.line, column: pos.col };
  }

  problem(path: readonly PathSegment[], message: string): ConfigProblem {
    const at = this.locate(path);
    return { file: this.file, path: pathText(path), line: at?.line, column: at?.column, message };
  }
}
