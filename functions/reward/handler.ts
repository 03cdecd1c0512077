import { getConfig } from '../../lib/config';
import { buildSelectorRuntime } from '../common/runtime';
import { createRewardFunction } from '../common/selector-functions';

// Built once per execution environment; a bad environment fails the cold start.
export const handler = createRewardFunction(buildSelectorRuntime(getConfig()));
