import { getConfig } from '../../lib/config';
import { buildSelectorRuntime } from '../shared/runtime';
import { createRewardFunction } from '../shared/selector-functions';

// Built once per execution environment; a bad environment fails the cold start.
export const handler = createRewardFunction(buildSelectorRuntime(getConfig()));
