// A port that was free a moment ago. Plain CommonJS so the TS tests (through tsx), the e2e
// scripts and the benchmarks share this one copy.
'use strict';
const { createServer } = require('node:net');

/** @param {string} [host] @returns {Promise<number>} */
function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

module.exports = { freePort };
