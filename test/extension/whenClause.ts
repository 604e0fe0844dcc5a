// A small evaluator of the `when` clauses STA's palette entries use: context keys, `!`, `&&`, `||`, `==`, true/false.
// Enough to check, from package.json itself, which commands the palette offers in a given state.

export type Context = Record<string, string | boolean | undefined>;

export function evaluateWhen(when: string | undefined, context: Context): boolean {
  if (when === undefined) return true;
  return when.split('||').some((all) => all.split('&&').every((term) => evaluateTerm(term.trim(), context)));
}

function evaluateTerm(term: string, context: Context): boolean {
  if (term.startsWith('!')) return !evaluateTerm(term.slice(1).trim(), context);
  if (term === 'true') return true;
  if (term === 'false') return false;
  const eq = /^([\w.]+)\s*(==|!=)\s*(\S+)$/.exec(term);
  if (eq) return (String(context[eq[1]]) === eq[3]) === (eq[2] === '==');
  if (!/^[\w.]+$/.test(term)) throw new Error(`when clause term this evaluator does not know: ${term}`);
  return !!context[term];
}

/** The commands the palette lists in `context`: every contributed one whose commandPalette `when` (if any) holds. */
export function paletteCommands(pkg: { contributes: any }, context: Context): string[] {
  const whenOf = new Map<string, string>((pkg.contributes.menus?.commandPalette ?? []).map((m: any) => [m.command, m.when]));
  return (pkg.contributes.commands as { command: string }[]).map((c) => c.command).filter((id) => evaluateWhen(whenOf.get(id), context));
}
