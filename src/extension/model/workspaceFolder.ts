// The workspace's folders STA shares and downloads into: every `file:` folder (virtual ones have no disk).
import * as vscode from 'vscode';

/** A `file:` folder of the workspace. */
export interface ShareableFolder {
  uri: vscode.Uri;
  root: string;
  name: string;
}

/** The first `file:` folder of the workspace. */
export function workspaceFolder(): vscode.WorkspaceFolder | undefined {
  return vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
}

/** Every `file:` folder, in workspace order. */
export function shareableFolders(): ShareableFolder[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => ({ uri: f.uri, root: f.uri.fsPath, name: f.name }));
}

/** Several folders: catalog paths start with the folder's name, as asRelativePath(uri, true) writes them. */
export function isMultiRoot(): boolean {
  return (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
}
