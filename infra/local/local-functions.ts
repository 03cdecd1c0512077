import { buildSelectorRuntime, type FunctionName } from '../../functions/common/runtime';
import { createSelectorFunctions } from '../../functions/common/selector-functions';
import type { Telemetry } from '../../functions/common/telemetry';
import type { Config } from '../../lib/config';
import type { SelectorStore } from '../../lib/store/selector-store';
import type { Clock } from '../../lib/types';

export interface LocalFunctionsDeps {
  config: Config;
  /** The store on DynamoDB Local (in Lambda: `createRuntimeStore`). */
  store: SelectorStore;
  telemetry: (functionName: FunctionName) => Telemetry;
  /** Seeds the learner's exploration draws (and the reward backoff jitter); random when omitted, as in Lambda. */
  seed?: number;
  clock?: Clock;
}

/**
 * The select, reward and stats handlers exactly as Lambda builds them (`buildSelectorRuntime`
 * and `createSelectorFunctions`, the same policy from the same configuration), with the store on
 * DynamoDB Local, the telemetry on the console and, on request, a seeded random source and clock.
 */
export function createLocalFunctions(deps: LocalFunctionsDeps) {
  return createSelectorFunctions(
    buildSelectorRuntime(deps.config, {
      store: deps.store,
      telemetry: deps.telemetry,
      ...(deps.seed === undefined ? {} : { seed: deps.seed }),
      ...(deps.clock === undefined ? {} : { clock: deps.clock }),
    }),
  );
}

export type LocalFunctions = ReturnType<typeof createLocalFunctions>;
