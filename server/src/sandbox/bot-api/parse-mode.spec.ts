import { BotApiError } from './bot-api-error';
import { formatText } from './parse-mode';

const fails = (text: string, mode: string): string => {
  try {
    formatText(text, mode, undefined);
  } catch (err) {
    if (err instanceof BotApiError) return err.description;
    throw err;
  }
  throw new Error('expected a BotApiError');
};

describe('formatText', () => {
  it('turns HTML markup into entities with UTF-16 offsets and decodes character references', () => {
    expect(formatText('<b>Hi</b> 👋 <a href="https://x.test/?a=1&amp;b=2">link</a> &lt;3', 'HTML', undefined)).toEqual({
      text: 'Hi 👋 link <3',
      entities: [
        { type: 'bold', offset: 0, length: 2 },
        { type: 'text_link', offset: 6, length: 4, url: 'https://x.test/?a=1&b=2' },
      ],
    });
  });

  it('gives pre its language from a nested code class', () => {
    expect(formatText('<pre><code class="language-ts">let x</code></pre>', 'html', undefined)).toEqual({
      text: 'let x',
      entities: [{ type: 'pre', offset: 0, length: 5, language: 'ts' }],
    });
  });

  it('refuses unsupported or unbalanced HTML as Telegram does', () => {
    expect(fails('<div>x</div>', 'HTML')).toBe(
      'Bad Request: can\'t parse entities: Unsupported start tag "div" at byte offset 0',
    );
    expect(fails('<b>x', 'HTML')).toBe(
      'Bad Request: can\'t parse entities: Can\'t find end tag corresponding to start tag "b"',
    );
    expect(fails('<b><i>x</b></i>', 'HTML')).toMatch(
      /Unmatched end tag at byte offset 7, expected "<\/i>", found "<\/b>"/,
    );
  });

  it('parses MarkdownV2 with escapes, nesting, links and code', () => {
    expect(formatText('*bold _both_* \\. [site](https://x.test) `a\\`b`', 'MarkdownV2', undefined)).toEqual({
      text: 'bold both . site a`b',
      entities: [
        { type: 'bold', offset: 0, length: 9 },
        { type: 'italic', offset: 5, length: 4 },
        { type: 'text_link', offset: 12, length: 4, url: 'https://x.test' },
        { type: 'code', offset: 17, length: 3 },
      ],
    });
  });

  it('refuses an unescaped reserved character in MarkdownV2', () => {
    expect(fails('Price: 5.00', 'MarkdownV2')).toBe(
      "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'",
    );
    expect(fails('*open', 'MarkdownV2')).toBe(
      "Bad Request: can't parse entities: Can't find end of Bold entity at byte offset 0",
    );
  });

  it('parses legacy Markdown', () => {
    expect(formatText('*a* _b_ [c](https://c.test)', 'Markdown', undefined)).toEqual({
      text: 'a b c',
      entities: [
        { type: 'bold', offset: 0, length: 1 },
        { type: 'italic', offset: 2, length: 1 },
        { type: 'text_link', offset: 4, length: 1, url: 'https://c.test' },
      ],
    });
  });

  it('trims outer whitespace and shifts explicit entities with it', () => {
    expect(formatText('  hi there ', undefined, [{ type: 'bold', offset: 2, length: 2 }])).toEqual({
      text: 'hi there',
      entities: [{ type: 'bold', offset: 0, length: 2 }],
    });
  });

  it('refuses an unknown parse mode', () => {
    expect(fails('x', 'BBCode')).toBe('Bad Request: unsupported parse_mode');
  });
});
