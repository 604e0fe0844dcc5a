// Under Remote Development the engine runs on the remote side: when teammates cannot reach it, the user is told.
import assert from 'node:assert/strict';
import { remoteReachWarning } from '../../../src/extension/remoteReach';

describe('remoteReachWarning', () => {
  it('says nothing in a local window, or under a remote it does not know (code-server)', () => {
    assert.equal(remoteReachWarning(undefined, '0.0.0.0', 6881), undefined);
    assert.equal(remoteReachWarning('localhost:8080', '127.0.0.1', 6881), undefined);
  });

  it('warns in a container, WSL or a codespace: their address is private', () => {
    for (const name of ['dev-container', 'attached-container', 'wsl', 'codespaces']) {
      assert.match(remoteReachWarning(name, '0.0.0.0', 6881)!, /listens for peers on 0\.0\.0\.0:6881: an address teammates usually cannot reach/);
    }
    assert.match(remoteReachWarning('wsl', '0.0.0.0', 6881)!, /^STA runs in WSL, /);
  });

  it('under Remote-SSH warns only when STA listens on loopback', () => {
    assert.equal(remoteReachWarning('ssh-remote', '0.0.0.0', 6881), undefined);
    assert.equal(
      remoteReachWarning('ssh-remote', '127.0.0.1', 6881),
      'STA runs on the SSH host, where it listens for peers on 127.0.0.1:6881: only programs on the SSH host can connect, not your teammates.',
    );
  });
});
