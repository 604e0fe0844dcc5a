// STA: Open Magnet Link or .torrent… — a magnet pasted (checked as it is typed), a .torrent picked or right-clicked
// in the Explorer, or a magnet from a vscode:// link. The torrent comes from an STA catalog or from the peers
// (a cancellable notification), then one modal question names what, how big and where; only Download downloads.
import * as vscode from 'vscode';
import { displayText, ExistingFileError, fetchCatalogEntry, formatBytes, type Logger, type Metainfo } from '../../core/api';
import { parseMagnet, parseTorrent, redact, resolveMagnet, teamKeyOf } from '../../core/api';
import { Commands, Views } from '../constants';
import { confirmationOf, linkCatalogPath, magnetOf, magnetOfUri, magnetProblem } from '../model/linkTarget';
import type { StaService } from '../model/staService';
import type { OnExisting } from '../model/transferJournal';
import { readSettings } from '../settings';
import type { TeamKeys } from '../teamKeys';

/** how long the catalog may take to say where a file it has lives */
const CATALOG_PATH_TIMEOUT_MS = 5_000;
/** a .torrent bigger than this is not read (core's parser refuses above 10 MiB too) */
const MAX_TORRENT_FILE_BYTES = 10 * 1024 * 1024;

/** What came of a link: what the user saw last (tests read it; the command returns it). */
export interface LinkOutcome {
  status: 'downloading' | 'cancelled' | 'failed';
  message?: string;
  /** the workspace-relative path it lands at (downloading) */
  shownAs?: string;
}

type Link = { magnet: string } | { torrentFile: vscode.Uri };

const CANCELLED: LinkOutcome = { status: 'cancelled' };
const isAbort = (e: unknown) => (e as Error)?.name === 'AbortError';

export class LinkOpener {
  /** The modal before any download; true only for Download. Tests answer it in the user's place. */
  confirm = async (message: string, detail: string): Promise<boolean> => {
    const download = vscode.l10n.t('Download');
    return (await vscode.window.showInformationMessage(message, { modal: true, detail }, download)) === download;
  };

  /**
   * A multi-file torrent's files to download (QuickPick, many, every file picked at first); undefined: cancelled.
   * Tests answer it in the user's place.
   */
  pickFiles = async (meta: Metainfo): Promise<string[] | undefined> => {
    const items = meta.files.map((f) => ({ label: displayText(f.path), description: formatBytes(f.length), picked: true, path: f.path }));
    const title = vscode.l10n.t('STA: files of {0} to download', displayText(meta.name));
    const picked = await vscode.window.showQuickPick(items, { canPickMany: true, title, placeHolder: vscode.l10n.t('Uncheck the files you do not want') });
    return picked?.map((i) => i.path);
  };

  constructor(
    private readonly service: StaService,
    private readonly keys: TeamKeys,
    private readonly log: Logger,
  ) {}

  /** The command: a .torrent from the Explorer (a Uri), a magnet given as text, or asked for. */
  async command(arg?: unknown): Promise<LinkOutcome> {
    let link: Link | undefined;
    if (arg instanceof vscode.Uri) link = { torrentFile: arg };
    else if (typeof arg === 'string') link = { magnet: arg };
    else link = await askForLink();
    return link ? this.open(link, false) : CANCELLED;
  }

  /** `vscode://PUBLISHER.NAME/get?magnet=…`: the same question as the command, saying the link came from outside. */
  async handleUri(uri: vscode.Uri): Promise<LinkOutcome> {
    let magnet: string;
    try {
      magnet = magnetOfUri(uri.path, uri.query, vscode.l10n);
    } catch (e) {
      return this.fail(vscode.l10n.t('STA: {0}', (e as Error).message));
    }
    return this.open({ magnet }, true);
  }

  private async open(link: Link, fromOutside: boolean): Promise<LinkOutcome> {
    if ('magnet' in link) {
      const problem = magnetProblem(link.magnet, vscode.l10n);
      if (problem) return this.fail(vscode.l10n.t('STA: this is not a magnet link STA can open: {0}.', problem));
    }
    if (!(await this.ensureRunning())) return CANCELLED;
    let found: { meta: Metainfo; catalogPath?: string } | undefined;
    try {
      found = 'magnet' in link ? await this.fromMagnet(link.magnet) : await fromTorrentFile(link.torrentFile);
    } catch (e) {
      const linkKeys = 'magnet' in link ? parseMagnet(link.magnet.trim()).trackers.map(teamKeyOf) : [];
      return this.fail(this.shown(e, 'magnet' in link, linkKeys.filter((k): k is string => k !== undefined)));
    }
    if (!found) return CANCELLED;
    const { meta } = found;
    const at = linkCatalogPath(meta, found.catalogPath ?? this.service.catalog.files.find((f) => f.infoHash === meta.infoHashHex)?.path);
    let shownAs: string;
    try {
      shownAs = this.service.transfers.landingAt(at).shownAs;
    } catch (e) {
      return this.fail(vscode.l10n.t('STA: {0}', displayText((e as Error).message)));
    }
    let select: string[] | undefined;
    if (meta.multiFile && meta.files.length > 1) {
      const picked = await this.pickFiles(meta);
      if (!picked || picked.length === 0) return CANCELLED;
      if (picked.length < meta.files.length) select = picked;
    }
    const { message, detail } = confirmationOf(meta, shownAs, fromOutside, select, vscode.l10n);
    if (!(await this.confirm(message, detail))) return CANCELLED;
    return this.download(meta, at, shownAs, 'refuse', select);
  }

  /** STA must run to download: offers Start. */
  private async ensureRunning(): Promise<boolean> {
    if (this.service.running) return true;
    const start = vscode.l10n.t('Start');
    const pick = await vscode.window.showInformationMessage(vscode.l10n.t('STA is not running: start it to download this link.'), start);
    if (pick === start) await vscode.commands.executeCommand(Commands.start);
    return this.service.running;
  }

  /** The magnet's torrent: an STA catalog's, else the peers' (BEP 9), under a cancellable notification. */
  private async fromMagnet(text: string): Promise<{ meta: Metainfo; catalogPath?: string } | undefined> {
    const magnet = magnetOf(text, vscode.l10n);
    const settings = readSettings();
    const configured = await this.keys.keyedAnnounce(this.service.trackerUrl ?? settings.trackerUrl);
    const title = vscode.l10n.t("STA: Fetching the torrent's details from peers…");
    const location = vscode.ProgressLocation.Notification;
    return vscode.window.withProgress({ location, title, cancellable: true }, async (_progress, token) => {
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => abort.abort());
      try {
        const found = await resolveMagnet(magnet, { trackers: [configured], host: settings.bindAddress, log: this.log, signal: abort.signal });
        this.log.info(`magnet ${magnet.infoHashHex}: torrent from ${found.source === 'catalog' ? 'the catalog' : `${found.peers.length} peer(s)`}`);
        const entry = found.tracker && (await fetchCatalogEntry(found.tracker, magnet.infoHashHex, CATALOG_PATH_TIMEOUT_MS).catch(() => undefined));
        return { meta: found.meta, catalogPath: entry && typeof entry.path === 'string' ? entry.path : undefined };
      } catch (e) {
        if (abort.signal.aborted || isAbort(e)) return undefined;
        throw e;
      } finally {
        sub.dispose();
      }
    });
  }

  private async download(meta: Metainfo, at: string, shownAs: string, onExisting: OnExisting = 'refuse', select?: string[]): Promise<LinkOutcome> {
    try {
      await this.service.transfers.requestTorrent(meta, at, onExisting, select);
    } catch (e) {
      if (!(e instanceof ExistingFileError) || onExisting !== 'refuse') return this.fail(this.shown(e, false));
      const beside = vscode.l10n.t('Save Beside It');
      const what = vscode.l10n.t('{0} already exists with different content. STA will not overwrite it.', displayText(e.path));
      if ((await vscode.window.showWarningMessage(what, beside)) !== beside) return CANCELLED;
      return this.download(meta, at, shownAs, 'suffix', select);
    }
    void vscode.commands.executeCommand(`${Views.transfers}.focus`);
    return { status: 'downloading', shownAs };
  }

  /** An error in words for the user, team keys blotted out. */
  private shown(e: unknown, magnet: boolean, linkKeys: string[] = []): string {
    const why = redact(displayText((e as Error).message ?? String(e)), [...this.keys.known, ...linkKeys]);
    if (e instanceof ExistingFileError) return vscode.l10n.t('STA: {0}', why);
    return magnet ? vscode.l10n.t("STA: could not get this magnet link's torrent: {0}", why) : vscode.l10n.t('STA: could not open the torrent: {0}', why);
  }

  private fail(message: string): LinkOutcome {
    this.log.warn(message);
    void vscode.window.showErrorMessage(message);
    return { status: 'failed', message };
  }
}

/** A .torrent file from disk, refused when it is bigger than any torrent may be or does not parse. */
async function fromTorrentFile(uri: vscode.Uri): Promise<{ meta: Metainfo }> {
  const stat = await vscode.workspace.fs.stat(uri);
  if (stat.size > MAX_TORRENT_FILE_BYTES) throw new Error(`${uri.fsPath} is ${stat.size} bytes: too big for a .torrent`);
  return { meta: parseTorrent(Buffer.from(await vscode.workspace.fs.readFile(uri))) };
}

/** The input box: a magnet checked as it is typed; Enter on an empty box, or the folder button, picks a .torrent file instead. */
async function askForLink(): Promise<Link | undefined> {
  const box = vscode.window.createInputBox();
  const chooseButton: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('folder-opened'), tooltip: vscode.l10n.t('Choose .torrent file…') };
  box.title = vscode.l10n.t('STA: Open Magnet Link or .torrent');
  box.placeholder = vscode.l10n.t('Paste a magnet link (magnet:?xt=urn:btih:…)');
  box.prompt = vscode.l10n.t('A magnet link; or press Enter with the box empty (or the folder button) to choose a .torrent file');
  box.buttons = [chooseButton];
  box.ignoreFocusOut = true;
  const picked = await new Promise<Link | 'choose' | undefined>((resolve) => {
    box.onDidChangeValue((v) => (box.validationMessage = v.trim() ? magnetProblem(v, vscode.l10n) : undefined));
    box.onDidTriggerButton(() => resolve('choose'));
    box.onDidAccept(() => {
      if (!box.value.trim()) return resolve('choose');
      const problem = magnetProblem(box.value, vscode.l10n);
      if (problem) box.validationMessage = problem;
      else resolve({ magnet: box.value.trim() });
    });
    box.onDidHide(() => resolve(undefined));
    box.show();
  });
  box.dispose();
  if (picked !== 'choose') return picked;
  const files = await vscode.window.showOpenDialog({
    canSelectMany: false,
    filters: { [vscode.l10n.t('Torrent files')]: ['torrent'] },
    openLabel: vscode.l10n.t('Open .torrent'),
    title: vscode.l10n.t('STA: Choose .torrent file'),
  });
  return files?.[0] ? { torrentFile: files[0] } : undefined;
}
