/** Text as paragraphs: one per non-empty line. Plain text only, never HTML. */
export function Paragraphs({ text }: { text: string }) {
  const paragraphs = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "");
  return (
    <>
      {paragraphs.map((paragraph, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: paragraphs have no identity of their own
        <p key={index}>{paragraph}</p>
      ))}
    </>
  );
}
