/** The stack and the bench bundle from one definition: the two views of it must say the same thing. */
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { BUNDLE_FILE, cdkBundling, esbuildOptions, FUNCTION_BUNDLING } from '../../infra/constructs/bundling';

describe('function bundling', () => {
  const cdk = cdkBundling();
  const esbuild = esbuildOptions('functions/ingest.ts', `out/${BUNDLE_FILE}`);

  it('gives CDK and esbuild the same choices', () => {
    expect(cdk.format).toBe(OutputFormat.ESM);
    expect(esbuild.format).toBe('esm');
    expect(cdk.mainFields).toEqual(esbuild.mainFields);
    expect(cdk.minify).toBe(esbuild.minify);
    expect(cdk.sourceMap).toBe(esbuild.sourcemap);
    expect(cdk.sourcesContent).toBe(esbuild.sourcesContent);
    expect(cdk.target).toBe(esbuild.target);
    expect(cdk.banner).toBe(esbuild.banner?.js);
  });

  it('tree-shakes ES modules first and bundles the AWS SDK', () => {
    expect(FUNCTION_BUNDLING.mainFields).toEqual(['module', 'main']);
    expect(cdk.externalModules).toEqual([]);
    expect(esbuild.external).toBeUndefined();
  });

  it('keeps source maps without the sources, and the file name NodejsFunction gives an ESM bundle', () => {
    expect(esbuild.sourcemap).toBe(true);
    expect(esbuild.sourcesContent).toBe(false);
    expect(BUNDLE_FILE).toBe('index.mjs');
  });
});
