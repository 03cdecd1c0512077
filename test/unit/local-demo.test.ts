import { describe, expect, it } from 'vitest';
import { demoScenarios } from '../../infra/local/demo-scenarios';
import { percent, signed, textTable } from '../../infra/local/text-table';
import { ENV_DEFAULTS, loadConfig } from '../../lib/config';
import { createConfiguredPolicy } from '../../lib/policies';
import { createClassicDetector } from '../../lib/regimes/classic-detector';
import { createRelativeDetector } from '../../lib/regimes/relative-detector';

describe('demo scenarios', () => {
  it.each([
    ['the classic rules', createClassicDetector()],
    ['the relative rules', createRelativeDetector()],
    ['the policy the functions run by default', createConfiguredPolicy(loadConfig(ENV_DEFAULTS)).detector],
  ])('are the regimes they are named for under %s', (_name, detector) => {
    for (const scenario of demoScenarios()) {
      expect(detector.detect({ candles: scenario.candles }).name, scenario.title).toBe(scenario.intended);
    }
  });

  it('are the same candles on every call', () => {
    expect(demoScenarios()).toEqual(demoScenarios());
  });
});

describe('textTable', () => {
  it('pads columns, right-aligns numbers and rules the headings', () => {
    expect(
      textTable(
        [{ heading: 'strategy' }, { heading: 'R', align: 'right' }],
        [
          ['scalp', '+0.25'],
          ['trend_rider', '-1.00'],
        ],
      ),
    ).toBe(
      ['strategy         R', '-----------  -----', 'scalp        +0.25', 'trend_rider  -1.00'].join('\n'),
    );
  });

  it('formats R with its sign and shares as percentages', () => {
    expect([signed(0.254), signed(-1), signed(0), signed(1.23456, 3)]).toEqual([
      '+0.25',
      '-1.00',
      '+0.00',
      '+1.235',
    ]);
    expect(percent(0.0871)).toBe('8.7%');
  });
});
