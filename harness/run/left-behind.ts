// What a run has made and not yet removed, each with the command that removes it. A second Ctrl-C
// stops the process at once, skipping cleanup: it then prints exactly these lines, so nothing is
// left behind unknowingly. Pure bookkeeping; the CLI prints it.

export interface LeftBehindItem {
  /** What it is: "kind cluster gauntlet-ab12cd". */
  what: string;
  /** The command that removes it. */
  remove: string;
}

export class LeftBehind {
  readonly #items = new Map<string, LeftBehindItem>();

  add(key: string, item: LeftBehindItem): void {
    this.#items.set(key, item);
  }

  /** Gone (cleaned up, or never made). */
  done(key: string): void {
    this.#items.delete(key);
  }

  items(): LeftBehindItem[] {
    return [...this.#items.values()];
  }

  /** Lines for the terminal, one per item; a single line when nothing is left. */
  lines(): string[] {
    const items = this.items();
    if (items.length === 0) return ['nothing was left behind'];
    return [
      'left behind (remove with the command after each):',
      ...items.map((item) => `  ${item.what}: ${item.remove}`),
    ];
  }
}
