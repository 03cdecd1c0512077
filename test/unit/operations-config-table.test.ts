import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, type ConfigVariable, LOCAL_CONFIG_VARIABLES } from '../../lib/config';

/**
 * The operators' configuration table (docs/operations.md) is documentation of `lib/config.ts`;
 * this keeps the two from drifting. When it fails, paste the expected table it prints into the
 * "Configuration" section of docs/operations.md.
 */

const OPERATIONS = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
const HEADINGS = ['Variable', 'Default', 'Accepts', 'Meaning'];

function expectedRow(variable: ConfigVariable): string[] {
  return [
    `\`${variable.name}\``,
    variable.default === undefined ? 'none' : `\`${variable.default}\``,
    variable.accepts,
    variable.meaning,
  ].map((cell) => cell.replaceAll('|', '\\|'));
}

/** The cells of each row of the first table in the "Configuration" section. */
function configurationTable(): string[][] {
  const start = OPERATIONS.indexOf('\n## Configuration\n');
  if (start < 0) throw new Error('docs/operations.md has no "## Configuration" section');
  const next = OPERATIONS.indexOf('\n## ', start + 1);
  const section = OPERATIONS.slice(start, next < 0 ? undefined : next);
  const lines = section.split('\n').filter((line) => line.startsWith('|'));
  return lines
    .filter((line) => !/^\|[\s:|-]+\|$/.test(line))
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
}

describe('the configuration table of docs/operations.md', () => {
  it('lists every variable of lib/config.ts, in order, with its default, what it accepts and its meaning', () => {
    const expected = [HEADINGS, ...[...CONFIG_VARIABLES, ...LOCAL_CONFIG_VARIABLES].map(expectedRow)];
    const table = configurationTable();
    if (JSON.stringify(table) !== JSON.stringify(expected)) {
      console.error(`Expected table:\n${expected.map((row) => `| ${row.join(' | ')} |`).join('\n')}`);
    }
    expect(table).toEqual(expected);
  });
});
