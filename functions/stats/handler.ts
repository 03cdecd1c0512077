import { getConfig } from '../../lib/config';
import { createRuntimeStore } from '../shared/runtime';
import { createPowertoolsTelemetry } from '../shared/telemetry';
import { createStatsHandler } from './stats-handler';

// Built once per execution environment; a bad environment fails the cold start.
export const handler = createStatsHandler({
  store: createRuntimeStore(getConfig()),
  telemetry: createPowertoolsTelemetry(),
});
