import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

/**
 * Sample outputs in the documentation, found by their markers. A ```json or ```text block is
 * preceded by `<!-- output: NAME -->` when it shows what the service prints or answers (a test
 * generates that output and compares), or by `<!-- input -->` when it is something the reader
 * writes (a request body, a policy). An unmarked block fails `test/unit/docs-samples.test.ts`,
 * so no sample output can go stale unnoticed.
 */

/** The documentation files, relative to the repository root. */
export const DOC_FILES = [
  'README.md',
  'docs/api.md',
  'docs/operations.md',
  'docs/design.md',
  'docs/learning.md',
] as const;

export type DocFile = (typeof DOC_FILES)[number];

export type DocMarker = { kind: 'output'; name: string } | { kind: 'input' };

export interface DocBlock {
  file: DocFile;
  /** 1-based line of the opening fence. */
  line: number;
  /** The fence's info string (`json`, `text`, `bash`, …). */
  lang: string;
  marker: DocMarker | undefined;
  text: string;
}

const MARKER = /^<!--\s*(output:\s*([\w-]+)|input)\s*-->$/;

export function readDoc(file: DocFile): string {
  return readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
}

/** Every fenced block of `file`, with the marker on the nearest non-blank line above it. */
export function docBlocks(file: DocFile): DocBlock[] {
  const lines = readDoc(file).split('\n');
  const blocks: DocBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    const fence = /^```(\S*)\s*$/.exec(lines[index] ?? '');
    if (fence === null) continue;
    const end = lines.findIndex((line, at) => at > index && line.startsWith('```'));
    if (end < 0) throw new Error(`${file}:${index + 1}: unclosed code fence`);
    let above = index - 1;
    while (above >= 0 && (lines[above] ?? '').trim() === '') above--;
    const match = MARKER.exec((lines[above] ?? '').trim());
    const marker: DocMarker | undefined =
      match === null
        ? undefined
        : match[2] === undefined
          ? { kind: 'input' }
          : { kind: 'output', name: match[2] };
    blocks.push({
      file,
      line: index + 1,
      lang: fence[1] ?? '',
      marker,
      text: lines.slice(index + 1, end).join('\n'),
    });
    index = end;
  }
  return blocks;
}

/** Every block marked `<!-- output: name -->`, in any documentation file; at least one. */
export function docOutputs(name: string): DocBlock[] {
  const found = DOC_FILES.flatMap(docBlocks).filter(
    (block) => block.marker?.kind === 'output' && block.marker.name === name,
  );
  if (found.length === 0) throw new Error(`no documentation block is marked <!-- output: ${name} -->`);
  return found;
}

/**
 * Checks a JSON sample against the output it shows. The sample may leave out object keys (it is
 * "shortened") and round fractions, and the string "…" stands for any value the reader's run
 * will differ in (ids, times); everything else it shows must be what the service answered. On a mismatch the
 * generated output is printed, ready to paste.
 */
export function expectJsonSample(block: DocBlock, actual: unknown): void {
  const shown: unknown = JSON.parse(block.text);
  const problems = sampleDifferences(shown, actual, '');
  if (problems.length > 0) {
    console.error(`${block.file}:${block.line} generated output:\n${JSON.stringify(actual, null, 2)}`);
  }
  expect(problems, `${block.file}:${block.line}`).toEqual([]);
}

function sampleDifferences(shown: unknown, actual: unknown, path: string): string[] {
  if (shown === '…') return actual === undefined ? [`${path || '(root)'}: missing`] : [];
  if (Array.isArray(shown)) {
    if (!Array.isArray(actual) || actual.length !== shown.length) {
      return [`${path}: expected an array of ${shown.length}, got ${JSON.stringify(actual)}`];
    }
    return shown.flatMap((item, index) => sampleDifferences(item, actual[index], `${path}[${index}]`));
  }
  if (shown !== null && typeof shown === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) {
      return [`${path}: expected an object, got ${JSON.stringify(actual)}`];
    }
    const record = actual as Record<string, unknown>;
    return Object.entries(shown).flatMap(([key, value]) =>
      key in record
        ? sampleDifferences(value, record[key], path === '' ? key : `${path}.${key}`)
        : [`${path === '' ? key : `${path}.${key}`}: not in the output`],
    );
  }
  if (typeof shown === 'number' && typeof actual === 'number' && roundsTo(actual, shown)) return [];
  return Object.is(shown, actual)
    ? []
    : [`${path}: shown ${JSON.stringify(shown)}, got ${JSON.stringify(actual)}`];
}

/** A sample may round a fraction to fewer decimals (`402.75` for 402.7488…); whole numbers are exact. */
function roundsTo(actual: number, shown: number): boolean {
  const decimals = String(shown).split('.')[1]?.length ?? 0;
  return decimals > 0 && Number(actual.toFixed(decimals)) === shown;
}

/** Checks a text sample line for line; on a mismatch the generated text is printed. */
export function expectTextSample(block: DocBlock, actual: string): void {
  if (block.text !== actual) console.error(`${block.file}:${block.line} generated output:\n${actual}`);
  expect(block.text, `${block.file}:${block.line}`).toBe(actual);
}
