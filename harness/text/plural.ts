// "1 flow", "2 flows": the count and its noun, for every message that counts something.
export function plural(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : pluralNoun}`;
}
