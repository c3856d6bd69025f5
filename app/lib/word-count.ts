/** Words in a text, as the scene model stores them and the editor shows them: runs of non-space. */
export function countWords(text: string): number {
  const words = text.trim().match(/\S+/g);
  return words ? words.length : 0;
}
