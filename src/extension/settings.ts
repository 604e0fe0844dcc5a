// Typed reads of the `sta.*` settings: VS Code's configuration handed to `settingsFrom` (settingValues.ts),
// where what may come from which level is decided.
import * as vscode from 'vscode';
import { Settings } from './constants';
import { settingsFrom, type StaSettings } from './settingValues';

export { downloadRateOf, seedLimitsOf, type StaSettings } from './settingValues';

/** The `sta.*` settings for `scope` (a folder's, for the per-folder ones). */
export function readSettings(scope?: vscode.Uri): StaSettings {
  const c = vscode.workspace.getConfiguration(Settings.section, scope);
  const filesExclude = vscode.workspace.getConfiguration('files', scope).get<Record<string, boolean>>('exclude') ?? {};
  // files.exclude patterns are relative globs like **/.DS_Store; those set to true apply
  const editorExcludes = Object.entries(filesExclude).filter(([, on]) => on === true).map(([g]) => g);
  return settingsFrom(c, editorExcludes);
}
