// moto answers most calls in milliseconds but serializes PutEvents to rules with targets (250-400 ms each):
// an AWS test may take seconds on a busy machine. The bound is a failsafe, not a timing assertion.
jest.setTimeout(120_000);

// Every SDK client made in an AWS test, including those the Lambda entries create with `new XClient({})`,
// goes to moto (the SDK reads AWS_ENDPOINT_URL).
const endpoint = process.env.BUNQ_WEBHOOKS_MOTO_ENDPOINT;
if (endpoint !== undefined) process.env.AWS_ENDPOINT_URL = endpoint;
