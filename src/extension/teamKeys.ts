// Team keys in VS Code's SecretStorage, one per tracker origin, and the key the local tracker uses:
// never in settings, never in a log line (the log channel blots out every key read here).
import { randomBytes } from 'node:crypto';
import type * as vscode from 'vscode';
import { announceUrlOf, TEAM_KEY_PATTERN, teamKeyOf, withoutTeamKey, withTeamKey } from '../core/api';
import { StoreKeys } from './constants';

/** 128 random bits, hex: 32 characters TEAM_KEY_PATTERN accepts. */
const NEW_KEY_BYTES = 16;

const originOf = (trackerUrl: string) => new URL(announceUrlOf(trackerUrl)).origin;

export class TeamKeys {
  private readonly seen = new Set<string>();

  constructor(private readonly secrets: vscode.SecretStorage) {}

  /** Every key this window has read or made: what logs must not show. */
  get known(): readonly string[] {
    return [...this.seen];
  }

  /** The key for this tracker: the one in the URL itself, else the one kept for its origin. */
  async keyFor(trackerUrl: string): Promise<string | undefined> {
    const key = teamKeyOf(trackerUrl) ?? (await this.secrets.get(StoreKeys.teamKey(originOf(trackerUrl))));
    return key && TEAM_KEY_PATTERN.test(key) ? this.note(key) : undefined;
  }

  /** The announce URL this machine uses: with the team's key when it has one. */
  async keyedAnnounce(trackerUrl: string): Promise<string> {
    const key = await this.keyFor(trackerUrl);
    return key ? withTeamKey(trackerUrl, key) : announceUrlOf(trackerUrl);
  }

  /** Keeps the key of a keyed announce URL for its tracker; returns the URL without it. */
  async store(keyedUrl: string): Promise<string> {
    const key = teamKeyOf(keyedUrl);
    if (!key) throw new Error('an invite is a tracker URL with a team key: http://HOST:PORT/KEY/announce');
    await this.secrets.store(StoreKeys.teamKey(originOf(keyedUrl)), this.note(key));
    return withoutTeamKey(keyedUrl);
  }

  /** The local tracker's key: made once, then the same for every start. */
  async localTrackerKey(): Promise<string> {
    const kept = await this.secrets.get(StoreKeys.localTrackerKey);
    if (kept && TEAM_KEY_PATTERN.test(kept)) return this.note(kept);
    const key = randomBytes(NEW_KEY_BYTES).toString('hex');
    await this.secrets.store(StoreKeys.localTrackerKey, key);
    return this.note(key);
  }

  private note(key: string): string {
    this.seen.add(key);
    return key;
  }
}
