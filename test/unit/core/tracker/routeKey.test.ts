// Where a route starts under the team key, and that a wrong key never matches.
import assert from 'node:assert/strict';
import { RouteKey } from '../../../../src/core/tracker/routeKey';

describe('RouteKey', () => {
  const key = new RouteKey('Team_Key-0123456789');

  it('no key: every route starts at 0', () => {
    assert.equal(new RouteKey().start('/announce'), 0);
    assert.equal(new RouteKey().prefix, '');
  });

  it('the right key: the route starts after /KEY', () => {
    assert.equal(key.prefix, '/Team_Key-0123456789');
    assert.equal(key.start('/Team_Key-0123456789/announce'), 20);
    assert.equal(key.start('/Team_Key-0123456789/'), 20);
  });

  it('a missing, wrong, shorter, longer or differently cased key: -1', () => {
    const wrong = ['/announce', '/', '', '/Team_Key-0123456789', '/Team_Key-012345678/announce', '/Team_Key-01234567890/announce'];
    wrong.push('/team_key-0123456789/announce', '//Team_Key-0123456789/announce', 'xTeam_Key-0123456789/announce');
    for (const p of wrong) assert.equal(key.start(p), -1, p);
  });
});
