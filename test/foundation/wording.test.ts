/**
 * Wording once (issue 24, item 5): every sentence a chat user reads comes from the one wording
 * table, `WORDING` in src/requests/wording.ts, under that one name. Checked on the source with the
 * TypeScript compiler:
 *
 * - No chat adapter (src/chat/**) holds a sentence literal. A *sentence* is a string or template
 *   literal (its fixed parts joined) of two words or more that ends in . ! ? … or : (after closing
 *   quotes, brackets and markdown), or that holds a sentence break (". Next"). Short labels (button
 *   texts, a "from cache" caption part, help-line fragments without a full stop) may stay where they
 *   are drawn.
 * - Allowed where nobody in the chat reads them: the arguments of logger calls (`log.warn(…)`), of
 *   `new …Error(…)` and of `super(…)` in an Error subclass (messages for the operator and the logs),
 *   module specifiers, and Discord's command builder metadata (`setName`/`setDescription`, the
 *   platform's own command list). src/chat/slack/install/pages.ts is a browser page (HTML), not a
 *   chat message, and is the one file exempt.
 * - WORDING is never re-exported or renamed: no `import { WORDING as X }`, no module-level constant
 *   that is an entry of WORDING or a table of them (the old ERROR_TEXT, FAILURE_TEXT, NOT_YOURS_TEXT,
 *   …); composing an entry into a longer text (`✖️ ${WORDING.cancelled}`) is a use, not a rename.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const parse = (file: string, text = readFileSync(file, 'utf8')) => ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);

const EXEMPT_FILES = new Set(['src/chat/slack/install/pages.ts']);
const LOG_LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);
const BUILDER_METADATA = new Set(['setName', 'setDescription']);

/** The literal's fixed text, a template's substitutions read as "x". */
function literalText(node: ts.Node): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) return [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join('x');
  return undefined;
}

/** Two words or more, and it ends like a sentence or holds a sentence break. */
export function looksLikeSentence(text: string): boolean {
  if ((text.match(/\p{L}{2,}/gu) ?? []).length < 2 || !/\s/.test(text)) return false;
  const end = text.replace(/[\s"'”’)*_]+$/u, '');
  return /[.!?…:]$/u.test(end) || /\p{Ll}[.!?]\s+\p{Lu}/u.test(text);
}

const calleeName = (e: ts.Expression): string | undefined => (ts.isPropertyAccessExpression(e) ? e.name.text : ts.isIdentifier(e) ? e.text : undefined);

/** Read by the operator or the platform, not by a chat user: see the header. */
function allowedContext(node: ts.Node): boolean {
  for (let n: ts.Node = node.parent; n && !ts.isSourceFile(n) && !ts.isFunctionLike(n); n = n.parent) {
    if (ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) return true;
    if (ts.isCallExpression(n)) {
      const name = calleeName(n.expression);
      if (name && (LOG_LEVELS.has(name) || BUILDER_METADATA.has(name))) return true;
      if (n.expression.kind === ts.SyntaxKind.SuperKeyword) {
        const cls = ts.findAncestor(n, ts.isClassLike);
        const base = cls?.heritageClauses?.flatMap((h) => h.types.map((t) => t.expression.getText()));
        if (base?.some((b) => /Error$/.test(b))) return true;
      }
    }
    if (ts.isNewExpression(n) && /Error$/.test(n.expression.getText())) return true;
  }
  return false;
}

/** `file:line: "text"` for every sentence literal outside the allowed contexts. */
export function sentenceLiterals(file: string, text?: string): string[] {
  const sf = parse(file, text);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    const literal = literalText(node);
    if (literal !== undefined && looksLikeSentence(literal) && !allowedContext(node)) {
      found.push(`${file}:${sf.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${JSON.stringify(literal)}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** Other names for WORDING: an aliased import, or a module-level constant built from its entries. */
export function wordingAliases(file: string, text?: string): string[] {
  const sf = parse(file, text);
  const found: string[] = [];
  const at = (n: ts.Node) => `${file}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
  const unwrap = (n: ts.Expression): ts.Expression => (ts.isAsExpression(n) || ts.isSatisfiesExpression(n) || ts.isParenthesizedExpression(n) ? unwrap(n.expression) : n);
  /** WORDING itself, or an entry of it (`WORDING.x`, `WORDING.x(…)`, `WORDING[k]`). */
  const isWording = (e: ts.Expression): boolean => {
    const n = unwrap(e);
    if (ts.isIdentifier(n)) return n.text === 'WORDING';
    return (ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n) || ts.isCallExpression(n)) && isWording(n.expression);
  };
  /** The text under another name: an entry itself, or an object or array of entries (composing it into a longer text is fine). */
  const renames = (e: ts.Expression): boolean => {
    const n = unwrap(e);
    if (ts.isObjectLiteralExpression(n)) return n.properties.some((p) => ts.isPropertyAssignment(p) && renames(p.initializer));
    if (ts.isArrayLiteralExpression(n)) return n.elements.some(renames);
    return isWording(n);
  };
  for (const statement of sf.statements) {
    if (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) {
      statement.forEachChild(function specifiers(n: ts.Node): void {
        if ((ts.isImportSpecifier(n) || ts.isExportSpecifier(n)) && n.propertyName?.getText() === 'WORDING' && n.name.text !== 'WORDING') found.push(`${at(n)}: WORDING as ${n.name.text}`);
        n.forEachChild(specifiers);
      });
    }
    if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) {
        if (d.initializer && renames(d.initializer)) found.push(`${at(d)}: ${d.name.getText()} renames WORDING`);
      }
    }
  }
  return found;
}

describe('wording once', () => {
  it('no chat adapter holds a sentence literal: every sentence a user reads comes from WORDING', () => {
    const files = sources('src/chat').filter((f) => !EXEMPT_FILES.has(f));
    expect(files.length).toBeGreaterThan(50);
    expect(files.flatMap((f) => sentenceLiterals(f))).toEqual([]);
  });

  it('WORDING has one name: no alias, no re-export, no constant built from its entries', () => {
    const files = sources('src').filter((f) => f !== 'src/requests/wording.ts');
    expect(files.flatMap((f) => wordingAliases(f))).toEqual([]);
  });

  it('the check catches what it should and lets through what it should', () => {
    const probe = [
      "import { WORDING } from '../../requests/wording.ts';",
      "const tell = (s: string) => s;",
      "tell('Please try again later.');",
      "tell(`🎨 Queued — position ${2}.`);",
      "tell(`I can't. Try ${'x'}`);",
      "tell('Pick one of these:');",
      "log.warn({ err }, 'slack: could not post the result.');",
      "throw new Error('Discord is not configured (set DISCORD_TOKEN).');",
      "class Gone extends Error { constructor() { super('the token of x expired.'); } }",
      "b.setDescription('May members use their own style images?');",
      "tell('Another style'); tell('from cache'); tell('easel:settings');",
      "tell(WORDING.expired);",
    ].join('\n');
    expect(sentenceLiterals('probe.ts', probe)).toEqual([
      'probe.ts:3: "Please try again later."',
      'probe.ts:4: "🎨 Queued — position x."',
      'probe.ts:5: "I can\'t. Try x"',
      'probe.ts:6: "Pick one of these:"',
    ]);
    const aliases = [
      "import { WORDING as TEXT } from './wording.ts';",
      "import { WORDING } from './wording.ts';",
      'export const ERROR_TEXT = WORDING;',
      'export const NOT_YOURS = WORDING.notYours();',
      "const BY_CODE = { lost: WORDING.lost } as const;",
      "const WORDING_KEY = { lost: 'lost' } as const satisfies Record<string, keyof typeof WORDING>;",
      'const VIEW = { text: `✖️ ${WORDING.cancelled}` };',
      'export const FAILED = [WORDING.lost] as const;',
      'export const text = (code: string) => WORDING.lost;',
    ].join('\n');
    expect(wordingAliases('probe.ts', aliases)).toEqual([
      'probe.ts:1: WORDING as TEXT',
      'probe.ts:3: ERROR_TEXT renames WORDING',
      'probe.ts:4: NOT_YOURS renames WORDING',
      'probe.ts:5: BY_CODE renames WORDING',
      'probe.ts:8: FAILED renames WORDING',
    ]);
  });

});
