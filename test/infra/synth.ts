import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { SelectorStack } from '../../infra/selector-stack';

/** The context block of cdk.json (feature flags), so tests synthesize what `cdk synth` does. */
function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

const outdirs: string[] = [];

/** Removes the cloud assemblies (templates and bundles) written by `synthesize`; call it in afterAll. */
export function removeSynthesized(): void {
  for (const outdir of outdirs.splice(0)) rmSync(outdir, { recursive: true, force: true });
}

export interface Synthesized {
  app: App;
  stack: SelectorStack;
  template: Template;
}

/**
 * Builds the app's stack with extra context (the operator's `-c key=value` flags).
 * `bundle: true` runs local esbuild over the real handlers; otherwise bundling is skipped, which is
 * enough for tests about infrastructure properties and much faster.
 */
export function synthesize(
  context: Record<string, unknown> = {},
  options: { bundle?: boolean } = {},
): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'selector-cdk-'));
  outdirs.push(outdir);
  const app = new App({
    outdir,
    context: {
      ...cdkJsonContext(),
      ...context,
      // As the CLI does: asset metadata on each function, which `sam local invoke` reads.
      'aws:cdk:enable-asset-metadata': true,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
    },
  });
  const stack = new SelectorStack(app, 'MetaStrategySelector');
  return { app, stack, template: Template.fromStack(stack) };
}

type Resource = { Type: string; Properties?: Record<string, unknown>; [key: string]: unknown };

/** The resources of one type, by logical id. */
export function resourcesOf(template: Template, type: string): Record<string, Resource> {
  return template.findResources(type) as Record<string, Resource>;
}

/** The one resource of a type whose logical id starts with `prefix`. */
export function resourceNamed(template: Template, type: string, prefix: string): [string, Resource] {
  const matches = Object.entries(resourcesOf(template, type)).filter(([id]) => id.startsWith(prefix));
  if (matches.length !== 1) {
    throw new Error(
      `expected one ${type} named ${prefix}*, found ${matches.map(([id]) => id).join(', ') || 'none'}`,
    );
  }
  const [match] = matches;
  if (match === undefined) throw new Error('unreachable');
  return match;
}

/** A resource's properties; throws when the resource is missing, so a test fails with a clear message. */
export function propertiesOf(resource: Resource | undefined, what = 'resource'): Record<string, unknown> {
  if (resource?.Properties === undefined) throw new Error(`${what} has no properties in the template`);
  return resource.Properties;
}
