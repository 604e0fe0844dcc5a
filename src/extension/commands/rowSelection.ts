// Which rows a view command acts on: VS Code passes the clicked row and, with canSelectMany, the selection
// (item, items[]). No vscode here: unit-tested.

/**
 * The selection when the clicked row is part of it (one command for every selected row), else the clicked row
 * alone (a row's inline button outside the selection); each row once, by `keyOf`.
 */
export function rowsToActOn<T>(
  clicked: T | undefined,
  selection: readonly unknown[] | undefined,
  isRow: (x: unknown) => x is T,
  keyOf: (row: T) => string,
): T[] {
  const selected = (selection ?? []).filter(isRow);
  const inSelection = clicked !== undefined && selected.some((r) => keyOf(r) === keyOf(clicked));
  const rows = inSelection ? selected : clicked !== undefined ? [clicked] : selected;
  return [...new Map(rows.map((r) => [keyOf(r), r])).values()];
}
