import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { SelectorStack } from './selector-stack';

/**
 * The CDK app (`npx cdk synth`, `npx cdk deploy`). No `env`: the stack is environment-agnostic,
 * synthesizes offline and deploys to the account and Region of the caller's credentials.
 * The cdk-nag packs run on every synth, so a new finding fails the build until it is fixed or
 * acknowledged with a reason.
 */
const app = new App();
new SelectorStack(app, 'MetaStrategySelector', {
  description: 'Meta-strategy selector: regime-aware exit-plan selection for trading bots',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
app.synth();
