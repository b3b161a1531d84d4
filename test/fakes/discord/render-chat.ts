/**
 * Draws what the fake Discord received as a Discord-like chat picture (dark theme), for the README:
 * an SVG rasterised by sharp (librsvg), so no browser is needed. Text, buttons and the image come
 * from the recorded messages; only the look is imitated.
 */
import sharp from 'sharp';

export interface ChatLine {
  author: string;
  bot?: boolean;
  /** Small grey line above the message, e.g. "used /stylize". */
  context?: string;
  content: string;
  image?: Buffer;
  /** Button rows as Discord got them: each button's label and style (1 primary, 2 secondary, 4 danger). */
  buttons?: { label: string; style?: number }[][];
  /** A thread started from this message: its name. */
  thread?: string;
}

const WIDTH = 820;
const FONT = 'DejaVu Sans, sans-serif';
/** Discord's button colours by style: primary, secondary, success, danger. */
const BUTTON_FILL: Record<number, string> = { 1: '#5865f2', 2: '#4e5058', 3: '#248046', 4: '#da373c' };
const COLOURS = ['#5865f2', '#eb459e', '#57f287', '#fee75c', '#ed4245'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** The renderer's fonts have no colour emoji: drop them (and the variation selectors that follow). */
const plain = (s: string) => s.replace(/[\u{1F300}-\u{1FAFF}\u{2600}-\u{27BF}]/gu, '').replace(/\u{FE0F}/gu, '').replace(/\s+/g, ' ').trim();

function wrap(text: string, maxChars: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if ((line + ' ' + word).trim().length > maxChars && line) {
      lines.push(line);
      line = word;
    } else line = (line + ' ' + word).trim();
  }
  if (line) lines.push(line);
  return lines;
}

export async function renderChatPng(title: string, messages: ChatLine[], opts: { threadTitle?: string; thread?: ChatLine[] } = {}): Promise<Buffer> {
  const parts: string[] = [];
  let y = 70;
  const drawMessages = async (list: ChatLine[], x0: number) => {
    for (const [i, m] of list.entries()) {
      if (m.context) {
        parts.push(`<text x="${x0 + 56}" y="${y}" font-size="12" fill="#949ba4" font-family="${FONT}">${esc(plain(m.context))}</text>`);
        y += 18;
      }
      const colour = m.bot ? '#5865f2' : COLOURS[(i + 1) % COLOURS.length];
      parts.push(`<circle cx="${x0 + 20}" cy="${y + 4}" r="18" fill="${colour}"/>`);
      parts.push(`<text x="${x0 + 20}" y="${y + 10}" font-size="16" fill="#fff" text-anchor="middle" font-family="${FONT}" font-weight="bold">${esc(m.author[0].toUpperCase())}</text>`);
      parts.push(`<text x="${x0 + 56}" y="${y}" font-size="15" fill="#f2f3f5" font-family="${FONT}" font-weight="bold">${esc(m.author)}</text>`);
      if (m.bot) {
        const bx = x0 + 56 + m.author.length * 9 + 6;
        parts.push(`<rect x="${bx}" y="${y - 12}" width="30" height="15" rx="3" fill="#5865f2"/><text x="${bx + 15}" y="${y - 1}" font-size="10" fill="#fff" text-anchor="middle" font-family="${FONT}" font-weight="bold">BOT</text>`);
      }
      y += 22;
      for (const line of wrap(plain(m.content), 88)) {
        parts.push(`<text x="${x0 + 56}" y="${y}" font-size="14" fill="#dbdee1" font-family="${FONT}">${esc(line)}</text>`);
        y += 20;
      }
      if (m.image) {
        const meta = await sharp(m.image).metadata();
        const scale = Math.min(1, 360 / Math.max(meta.width ?? 1, meta.height ?? 1));
        const w = Math.round((meta.width ?? 1) * scale);
        const hgt = Math.round((meta.height ?? 1) * scale);
        parts.push(`<image x="${x0 + 56}" y="${y}" width="${w}" height="${hgt}" href="data:image/png;base64,${m.image.toString('base64')}"/>`);
        y += hgt + 10;
      }
      for (const row of m.buttons ?? []) {
        let bx = x0 + 56;
        for (const { label, style } of row) {
          const w = 24 + plain(label).length * 8;
          parts.push(`<rect x="${bx}" y="${y}" width="${w}" height="32" rx="4" fill="${BUTTON_FILL[style ?? 2] ?? BUTTON_FILL[2]}"/>`);
          parts.push(`<text x="${bx + w / 2}" y="${y + 21}" font-size="14" fill="#fff" text-anchor="middle" font-family="${FONT}">${esc(plain(label))}</text>`);
          bx += w + 8;
        }
        y += 40;
      }
      if (m.buttons?.length) y += 2;
      if (m.thread) {
        parts.push(`<rect x="${x0 + 56}" y="${y}" width="300" height="34" rx="4" fill="#2b2d31" stroke="#3f4147"/>`);
        parts.push(`<text x="${x0 + 68}" y="${y + 22}" font-size="13" fill="#f2f3f5" font-family="${FONT}" font-weight="bold"># ${esc(plain(m.thread))}</text>`);
        y += 44;
      }
      y += 16;
    }
  };
  await drawMessages(messages, 16);
  if (opts.thread?.length) {
    parts.push(`<rect x="0" y="${y}" width="${WIDTH}" height="36" fill="#2b2d31"/>`);
    parts.push(`<text x="20" y="${y + 24}" font-size="15" fill="#f2f3f5" font-family="${FONT}" font-weight="bold">Thread: ${esc(plain(opts.threadTitle ?? ''))}</text>`);
    y += 60;
    await drawMessages(opts.thread, 16);
  }
  const height = y + 10;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}">
<rect width="100%" height="100%" fill="#313338"/>
<rect width="100%" height="44" fill="#2b2d31"/>
<text x="20" y="28" font-size="16" fill="#f2f3f5" font-family="${FONT}" font-weight="bold"># ${esc(title)}</text>
${parts.join('\n')}
</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}
