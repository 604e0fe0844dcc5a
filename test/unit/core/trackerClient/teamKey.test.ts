import * as assert from 'node:assert/strict';
import { catalogUrlOf, teamKeyOf, torrentUrlOf, withoutTeamKey, withTeamKey } from '../../../../src/core/trackerClient/urls';

const KEY = 'k3y_Of-the-Team-0123456789abcdef';

describe('team key in tracker URLs', () => {
  it('finds the key of a keyed announce URL and nothing in an unkeyed one', () => {
    assert.equal(teamKeyOf(`http://10.0.0.5:7070/${KEY}/announce`), KEY);
    assert.equal(teamKeyOf('http://10.0.0.5:7070/announce'), undefined);
    assert.equal(teamKeyOf('http://10.0.0.5:7070/short/announce'), undefined, 'under 16 characters is not a key');
    assert.equal(teamKeyOf('http://10.0.0.5:7070/a/b/announce'), undefined);
    assert.equal(teamKeyOf('not a url'), undefined);
  });

  it('adds, replaces and removes the key', () => {
    assert.equal(withTeamKey('http://h:7070', KEY), `http://h:7070/${KEY}/announce`);
    assert.equal(withTeamKey(`http://h:7070/${'x'.repeat(20)}/announce`, KEY), `http://h:7070/${KEY}/announce`);
    assert.equal(withoutTeamKey(`http://h:7070/${KEY}/announce`), 'http://h:7070/announce');
    assert.throws(() => withTeamKey('http://h:7070', 'has/slash-and-is-long-enough'), /team key/);
  });

  it('keeps every route of a keyed tracker under the key', () => {
    const url = withTeamKey('http://h:7070/announce', KEY);
    assert.equal(catalogUrlOf(url), `http://h:7070/${KEY}/catalog`);
    assert.equal(torrentUrlOf(url, 'ab'.repeat(20)), `http://h:7070/${KEY}/catalog/${'ab'.repeat(20)}.torrent`);
  });
});
