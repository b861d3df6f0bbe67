/**
 * Powertools' standard log line (`PowertoolsLogFormatter`: level, message, timestamp, service, the Lambda
 * context when injected, then the line's own keys) without two keys that carry nothing in this pipeline's
 * logs: `sampling_rate` while it is 0 (debug sampling off, the same on every line), and `xray_trace_id`
 * when the trace is not sampled (Lambda sets a trace id even with tracing off; it points at no trace). At
 * one line per event, those were about 70 bytes of each line's log bill (docs/COST.md). Both return when
 * they mean something: a sampling rate set, a sampled trace (tracing on).
 */
import { LogFormatter, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';

/** Whether this invocation's X-Ray trace is sampled (`Sampled=1` in Lambda's trace header). */
const traceSampled = (): boolean => /(?:^|;)Sampled=1(?:;|$)/.test(process.env._X_AMZN_TRACE_ID ?? '');

export class LeanLogFormatter extends LogFormatter {
  formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const context = attributes.lambdaContext;
    const base: LogAttributes = {
      level: attributes.logLevel,
      message: attributes.message,
      timestamp: this.formatTimestamp(attributes.timestamp),
      service: attributes.serviceName,
      cold_start: context?.coldStart,
      function_arn: context?.invokedFunctionArn,
      function_memory_size: context?.memoryLimitInMB,
      function_name: context?.functionName,
      function_request_id: context?.awsRequestId,
      sampling_rate: attributes.sampleRateValue === 0 ? undefined : attributes.sampleRateValue,
      xray_trace_id: traceSampled() ? attributes.xRayTraceId : undefined,
    };
    return new LogItem({ attributes: base }).addAttributes(additional);
  }
}
