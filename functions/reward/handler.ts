import { getConfig } from '../../lib/config';
import { lambdaHandler } from '../common/lambda-handler';
import { buildSelectorRuntime } from '../common/runtime';
import { createRewardFunction } from '../common/selector-functions';

// Built once per execution environment; a bad environment fails the cold start.
const runtime = buildSelectorRuntime(getConfig());
export const handler = lambdaHandler(runtime, 'reward', createRewardFunction(runtime));
