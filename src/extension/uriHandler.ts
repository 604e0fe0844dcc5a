// vscode://PUBLISHER.NAME/get?magnet=<url-encoded magnet link>: a magnet from a browser or a chat opens the same
// flow as STA: Open Magnet Link or .torrent…, with the same modal question (nothing downloads without Download).
// Any other path or parameter is refused, saying which form is accepted (model/linkTarget.ts parses it).
import * as vscode from 'vscode';
import type { LinkOpener } from './commands/openLink';

export class StaUriHandler implements vscode.UriHandler {
  constructor(private readonly links: LinkOpener) {}

  async handleUri(uri: vscode.Uri): Promise<void> {
    await this.links.handleUri(uri);
  }
}
