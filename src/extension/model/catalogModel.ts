// The tracker's catalog: the files every peer publishes, read now, on a timer, and soon after a publish.
// A poll sends the last answer's ETag: an unchanged catalog costs a 304 and no rebuild. Each new list is
// indexed once as a folder tree (by catalog path) that Tracker Files reads folder by folder.
import * as vscode from 'vscode';
import { type CatalogFileJson, fetchCatalogIfChanged, fetchMetainfo, type Metainfo, redact, teamKeyOf } from '../../core/api';
import { Disposable, toDisposable } from '../lifecycle';
import { Throttle } from '../throttle';
import { catalogEntries, catalogTree } from './catalogIndex';
import { isWithoutCatalog } from './trackerProbe';

const CATALOG_TIMEOUT_MS = 5000;
/** Several files published at once cause one catalog read. */
const REREAD_AFTER_PUBLISH_MS = 300;

export class CatalogModel extends Disposable {
  files: CatalogFileJson[] = [];
  /** `files` by folder */
  tree = catalogTree([]);
  /** the ETag of `files`: the next read asks whether it changed */
  private etag?: string;
  /** why the last read failed */
  error?: string;
  /** true when the tracker answers announces but has no STA catalog */
  unsupported = false;
  private trackerUrl?: string;
  private poll?: NodeJS.Timeout;
  private polling = false;
  private everySeconds = 0;
  private readonly rereadSoon = this.register(new Throttle(() => void this.refresh(), REREAD_AFTER_PUBLISH_MS));
  private readonly _onDidChange = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this._onDidChange.event;

  constructor() {
    super();
    this.register(toDisposable(() => this.stop()));
  }

  /** Reads the catalog of `trackerUrl` (keyed) now and every `refreshSeconds` (0: only when asked). */
  start(trackerUrl: string, hasCatalog: boolean, refreshSeconds: number): void {
    if (trackerUrl !== this.trackerUrl) this.etag = undefined;
    this.trackerUrl = trackerUrl;
    this.unsupported = !hasCatalog;
    this.polling = true;
    void this.refresh();
    this.pollEvery(refreshSeconds);
  }

  /** Seconds between reads while started (0: only when asked); a changed setting applies at once. */
  get refreshSeconds(): number {
    return this.everySeconds;
  }

  pollEvery(refreshSeconds: number): void {
    this.everySeconds = refreshSeconds;
    clearInterval(this.poll);
    this.poll = undefined;
    if (!this.polling || refreshSeconds <= 0) return;
    this.poll = setInterval(() => void this.refresh(), refreshSeconds * 1000);
    this.poll.unref();
  }

  stop(): void {
    this.polling = false;
    clearInterval(this.poll);
    this.poll = undefined;
    this.rereadSoon.cancel();
  }

  async refresh(): Promise<void> {
    if (!this.trackerUrl) return;
    try {
      const read = await fetchCatalogIfChanged(this.trackerUrl, this.etag, CATALOG_TIMEOUT_MS);
      const wasWrong = this.error !== undefined || this.unsupported;
      this.error = undefined;
      this.unsupported = false;
      if (read === 'unchanged') {
        if (wasWrong) this._onDidChange.fire();
        return;
      }
      this.files = catalogEntries(read.files);
      this.tree = catalogTree(this.files);
      this.etag = read.etag;
    } catch (e) {
      // an error may quote the URL, and the URL holds the team key
      this.error = redact((e as Error).message, [teamKeyOf(this.trackerUrl) ?? '']);
      if (isWithoutCatalog(e)) this.unsupported = true;
    }
    this._onDidChange.fire();
  }

  /** A peer just published a file: read the catalog again shortly. */
  refreshSoon(): void {
    this.rereadSoon.schedule();
  }

  /** The .torrent of a catalog file, from the tracker, refused unless it hashes to `infoHash`. */
  async metainfoOf(infoHash: string): Promise<Metainfo> {
    if (!this.trackerUrl) throw new Error(vscode.l10n.t('STA is not running.'));
    return fetchMetainfo(this.trackerUrl, infoHash);
  }
}
