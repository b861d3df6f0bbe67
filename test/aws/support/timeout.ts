// moto answers most calls in milliseconds but serializes PutEvents to rules with targets (250-400 ms each):
// an AWS test may take seconds on a busy machine. The bound is a failsafe, not a timing assertion.
jest.setTimeout(120_000);
