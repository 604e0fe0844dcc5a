// The options `sta share` and `sta get` share: where the local peer listens, how fast
// it uploads and downloads, how it reports; and the one place that turns them into the Engine's options.
import { consoleLogger, type EngineOptions, type Logger, redact, teamKeyOf } from '../core/api';
import { intOption, OptionSpec, rateOption } from './args';

export const engineOptionSpecs: Record<string, OptionSpec> = {
  host: { type: 'string', default: '0.0.0.0', arg: 'ADDR', help: 'address to accept peers on' },
  port: { type: 'string', default: '0', arg: 'N', help: 'peer port (0 = any free port)' },
  'max-upload-rate': { type: 'string', arg: 'BYTES/S', help: 'upload limit, e.g. 5M or 800K (default: none)' },
  'max-download-rate': { type: 'string', arg: 'BYTES/S', help: 'download limit for all files together, e.g. 5M or 800K (default: none)' },
  json: { type: 'boolean', default: false, help: 'one JSON event per line on stdout' },
  verbose: { type: 'boolean', short: 'v', default: false, help: 'log more' },
};

/** Checks the parsed `engineOptionSpecs` values (a UsageError names the bad flag) and builds EngineOptions. */
export function engineOptionsFrom(values: Record<string, any>, trackers: string[]): EngineOptions {
  return {
    host: values.host,
    port: intOption(values, 'port', 0, 65535),
    trackers,
    logger: withoutKeys(consoleLogger('', values.verbose), trackers),
    maxUploadRate: rateOption(values, 'max-upload-rate'),
    maxDownloadRate: rateOption(values, 'max-download-rate'),
  };
}

/** The log with the trackers' team keys blotted out: logs get pasted into issues and chats. */
function withoutKeys(log: Logger, trackers: string[]): Logger {
  const keys = trackers.map(teamKeyOf).filter((k): k is string => k !== undefined);
  if (keys.length === 0) return log;
  return {
    info: (m) => log.info(redact(m, keys)),
    warn: (m) => log.warn(redact(m, keys)),
    error: (m) => log.error(redact(m, keys)),
    debug: (m) => log.debug(redact(m, keys)),
  };
}
