/**
 * `meta-strategy-selector/client`: the client a trading bot uses to talk to the selector.
 */
export type { ValidationIssue } from '../lib/contract/validation-error';
export type { ClientCredentials, CredentialsOption } from './aws-signing';
export type { RetryOptions } from './backoff';
export type {
  ArmSpec,
  DecisionResponse,
  SelectRequestBody,
  SelectResponse,
  StatsResponse,
  StrategyProfile,
  TradeClosedInput,
} from './contract';
export {
  RewardTimeoutError,
  SelectorClientError,
  SelectorConflictError,
  SelectorHttpError,
  SelectorNotFoundError,
  SelectorValidationError,
  TradeClosedPublishError,
} from './errors';
export {
  DEFAULT_EVENT_BUS_NAME,
  SelectorClient,
  type SelectorClientOptions,
  type WaitForRewardOptions,
} from './selector-client';
