/**
 * HTML markup in text typed or pasted by people (a question copied from a web page or a
 * formatted message): tags and entities are not words, and script or style blocks are not text.
 */

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** Decodes named (&amp; &lt; &gt; &quot; &apos; &nbsp;) and numeric entities; unknown ones are kept. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, body: string) => {
    if (body[0] === '#') {
      const cp = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return Number.isInteger(cp) && cp >= 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : whole;
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? whole;
  });
}

/**
 * Plain text of a string that may hold markup: script/style blocks dropped with their content,
 * tags removed (a "<" not opening a tag stays), entities decoded.
 */
export function stripMarkup(text: string): string {
  if (!text.includes('<') && !text.includes('&')) return text;
  return decodeEntities(
    text
      .replace(/<(script|style)\b[^>]*>[\s\S]*?(?:<\/\1\s*>|$)/gi, ' ')
      .replace(/<!--[\s\S]*?-->/g, ' ')
      .replace(/<\/?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?\/?>/g, ' '),
  );
}
