/**
 * Text as the databases can keep it in a column: a lone UTF-16 surrogate (which
 * JSON.parse lets into a string) is not Unicode, and NUL is refused by PostgreSQL's text
 * and jsonb; both become U+FFFD, on both adapters, for writes and lookups alike, so a
 * key is always found under the string it was stored with. (Event bodies are JSON text
 * in which these stay escaped, so an event reads back exactly as it was sent.)
 */
export function storableText(text: string): string {
  if (text.isWellFormed() && !text.includes("\0")) return text;
  return text.toWellFormed().replaceAll("\0", "\ufffd");
}
