// Every id the extension shares with package.json: commands, views, context keys, settings.
export const Commands = {
  start: 'sta.start',
  stop: 'sta.stop',
  update: 'sta.update',
  request: 'sta.request',
  startLocalTracker: 'sta.startLocalTracker',
  stopLocalTracker: 'sta.stopLocalTracker',
  copyInvite: 'sta.copyInvite',
  joinTeam: 'sta.joinTeam',
  pauseTransfer: 'sta.pauseTransfer',
  resumeTransfer: 'sta.resumeTransfer',
  cancelTransfer: 'sta.cancelTransfer',
  revealTransfer: 'sta.revealTransfer',
  clearFinished: 'sta.clearFinished',
  shareFile: 'sta.shareFile',
  shareFolder: 'sta.shareFolder',
  copyMagnet: 'sta.copyMagnet',
  exportTorrent: 'sta.exportTorrent',
  showLog: 'sta.showLog',
  openLink: 'sta.openLink',
} as const;

export const Views = {
  trackerFiles: 'sta.trackerFiles',
  transfers: 'sta.transfers',
  shared: 'sta.shared',
} as const;

export const ContextKeys = {
  running: 'sta.running',
  trackerUnreachable: 'sta.trackerUnreachable',
  localTrackerRunning: 'sta.localTrackerRunning',
  /** Transfers lists a finished or failed row: Clear Finished Transfers is offered in the palette */
  hasFinishedTransfers: 'sta.hasFinishedTransfers',
} as const;

export const Settings = {
  section: 'sta',
  trackerUrl: 'trackerUrl',
  listenPort: 'listenPort',
  bindAddress: 'bindAddress',
  downloadFolder: 'downloadFolder',
  exclude: 'exclude',
  maxPeersPerFile: 'maxPeersPerFile',
  uploadSlots: 'uploadSlots',
  maxUploadRate: 'maxUploadRate',
  maxDownloadRate: 'maxDownloadRate',
  seedRatioLimit: 'seedRatioLimit',
  seedTimeMinutes: 'seedTimeMinutes',
  autoStart: 'autoStart',
  localTrackerPort: 'localTrackerPort',
  localTrackerOnLan: 'localTrackerOnLan',
  catalogRefreshSeconds: 'catalogRefreshSeconds',
} as const;

/** What the extension keeps in SecretStorage (team keys) and workspaceState (the first-Start answer, unfinished downloads). */
export const StoreKeys = {
  /** the team key of the tracker at this origin (`http://host:port`) */
  teamKey: (origin: string) => `sta.teamKey:${origin}`,
  /** the key Start Local Tracker made, kept across restarts and ports */
  localTrackerKey: 'sta.localTrackerKey',
  /** workspaceState: the folder + tracker pairs the user said Share to */
  sharedWith: 'sta.sharedWith',
  /** workspaceState: unfinished downloads by info-hash, so a window reload finds them again */
  transfers: 'sta.transfers',
  /** workspaceState: the remote-reachability warning was shown in this workspace */
  remoteWarned: 'sta.remoteWarned',
} as const;

/** contextValue of tree items; `when` clauses in package.json match these */
export const ItemContext = {
  remoteFile: 'remoteFile',
  remoteFileLocal: 'remoteFile:local',
  remoteFileUpdate: 'remoteFile:update',
  /** a folder of Tracker Files: its download action fetches everything under it */
  remoteFolder: 'remoteFolder',
  sharedFolder: 'sharedFolder',
  sharedFile: 'sharedFile',
  transfer: (state: string, done: boolean) => `transfer:${state}${done ? ':done' : ''}`,
} as const;
