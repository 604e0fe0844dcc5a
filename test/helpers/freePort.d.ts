// Types for freePort.js (plain CommonJS, shared with the e2e scripts and the benchmarks).
/** A port that was free a moment ago on `host` (default 127.0.0.1). */
export declare function freePort(host?: string): Promise<number>;
