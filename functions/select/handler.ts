import { getConfig } from '../../lib/config';
import { buildSelectorRuntime } from '../shared/runtime';
import { createSelectFunction } from '../shared/selector-functions';

// Built once per execution environment; a bad environment fails the cold start.
export const handler = createSelectFunction(buildSelectorRuntime(getConfig()));
