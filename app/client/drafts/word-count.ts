/** Words as the server counts them (models/scenes.server.ts `countWords`): runs of non-space. */
export function countWords(text: string): number {
  const words = text.trim().match(/\S+/g);
  return words ? words.length : 0;
}
