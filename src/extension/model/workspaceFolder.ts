// The workspace folder STA shares and downloads into, and paths inside it.
import * as path from 'node:path';
import * as vscode from 'vscode';

/** The first `file:` folder of the workspace. */
export function workspaceFolder(): vscode.WorkspaceFolder | undefined {
  return vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
}

/** The `sta.downloadFolder` setting resolved against `root`; it may not point outside it. */
export function downloadDirIn(root: string, downloadFolder: string): string {
  const dir = path.resolve(root, downloadFolder);
  if (dir !== root && !dir.startsWith(root + path.sep)) throw new Error(`sta.downloadFolder must be inside the workspace (${dir} is not)`);
  return dir;
}

/** `file` relative to `root` with `/` separators, as the catalog lists it; undefined when outside. */
export function relativePathIn(root: string, file: string): string | undefined {
  const rel = path.relative(root, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).join('/');
}
