/**
 * Wording once (issue 24, item 5): every sentence a chat user reads comes from the one wording
 * table, `WORDING` in src/requests/wording.ts, under that one name. Checked on the source with the
 * TypeScript compiler:
 *
 * - No module whose text reaches a chat user holds a sentence literal: all of src/ except the
 *   operator's and the browser's files in EXEMPT below (each with its reason) — the chat adapters,
 *   and the core whose words they pass on: ImageError's user text (src/images), a settings change's
 *   refusal and the settings lines (src/settings), a variation's refusal (src/requests), the failure
 *   texts of src/jobs, the gallery picture's legend (src/presets). A *sentence* is a string or template
 *   literal (its fixed parts joined) of two words or more that ends in . ! ? … or : (after closing
 *   quotes, brackets and markdown), or that holds a sentence break (". Next"). Short labels (button
 *   texts, a "from cache" caption part, help-line fragments without a full stop) may stay where they
 *   are drawn.
 * - Allowed where nobody in the chat reads them: the arguments of logger calls (`log.warn(…)`), of
 *   `new …Error(…)` and of `super(…)` in an Error subclass (messages for the operator and the logs),
 *   an argument for a parameter named `detail` (the operator's half of an error, e.g. the images
 *   module's `corrupt(detail)`), Redis scripts (Lua that calls `redis.call`), module specifiers, and
 *   Discord's command builder metadata (`setName`/`setDescription`, the platform's own command list).
 * - User text and operator text in one error: a parameter named `userMessage` (ImageError's second,
 *   SettingsError's only one) is read by the chat user, so a literal there is refused even inside
 *   `new …Error(…)`; the roles are read from the declarations in src/, so a new error class or
 *   factory joins the check by naming its parameters so.
 * - WORDING is never re-exported or renamed: no `import { WORDING as X }`, no module-level constant
 *   that is an entry of WORDING or a table of them (the old ERROR_TEXT, FAILURE_TEXT, NOT_YOURS_TEXT,
 *   …); composing an entry into a longer text (`✖️ ${WORDING.cancelled}`) is a use, not a rename.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
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

/** Files no chat user reads, and why. Everything else under src/ is checked. */
const EXEMPT: Readonly<Record<string, string>> = {
  'src/requests/wording.ts': 'the wording table itself',
  'src/chat/slack/install/pages.ts': 'a browser page (HTML) for the person installing the app, not a chat message',
  'src/cli.ts': "the command line's help and messages, read by the operator in a terminal",
  'src/cli/': "the command line's subcommands (demo, shards, styles, assets, stylize, …), read in a terminal",
  'src/config.ts': 'configuration errors, read by the operator at startup',
  'src/ops/': 'the operator endpoints (health, metrics, dashboard)',
  'src/log.ts': 'the logger',
  'src/assets/': 'installing weights and preset images, an operator task',
  'src/jobs/redis-guard.ts': 'the refusal of a Redis that would lose jobs (cluster, eviction), read by the operator at startup',
  'src/requests/option-table.ts':
    "the option table's help lines: Discord's option descriptions (command metadata, as setDescription), the README and the operator's .env.example",
};
const exempt = (file: string) => Object.keys(EXEMPT).some((e) => (e.endsWith('/') ? file.startsWith(e) : file === e));
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

/** Which arguments of a function, constructor or error factory carry user text and which the operator's. */
interface TextRoles {
  user: Set<number>;
  operator: Set<number>;
}

/** Parameter roles by the name of the class or function that declares them (see the header). */
function textRoles(sf: ts.SourceFile, into = new Map<string, TextRoles>()): Map<string, TextRoles> {
  const record = (name: string | undefined, params: ts.NodeArray<ts.ParameterDeclaration>) => {
    if (!name) return;
    const roles = into.get(name) ?? { user: new Set<number>(), operator: new Set<number>() };
    params.forEach((p, i) => {
      const param = p.name.getText(sf);
      if (param === 'userMessage') roles.user.add(i);
      if (param === 'detail') roles.operator.add(i);
    });
    if (roles.user.size || roles.operator.size) into.set(name, roles);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isClassLike(node)) {
      const ctor = node.members.find(ts.isConstructorDeclaration);
      if (ctor) record(node.name?.text, ctor.parameters);
    } else if (ts.isFunctionDeclaration(node)) {
      record(node.name?.text, node.parameters);
    } else if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer && (ts.isArrowFunction(node.initializer) || ts.isFunctionExpression(node.initializer))) {
      record(node.name.text, node.initializer.parameters);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return into;
}

let srcRoles: Map<string, TextRoles> | undefined;
/** The roles declared anywhere in src/ (read once). */
const declaredRoles = () => (srcRoles ??= sources('src').reduce((m, f) => textRoles(parse(f), m), new Map<string, TextRoles>()));

/** Read by the operator or the platform, not by a chat user: see the header. */
function allowedContext(node: ts.Node, roles: Map<string, TextRoles>): boolean {
  if (/\bredis\.call\(/.test(node.getText())) return true;
  for (let child: ts.Node = node, n: ts.Node = node.parent; n && !ts.isSourceFile(n) && !ts.isFunctionLike(n); child = n, n = n.parent) {
    if (ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) return true;
    if ((ts.isCallExpression(n) || ts.isNewExpression(n)) && n.arguments) {
      const at = n.arguments.indexOf(child as ts.Expression);
      const role = roles.get(calleeName(n.expression) ?? '');
      if (at >= 0 && role?.user.has(at)) return false;
      if (at >= 0 && role?.operator.has(at)) return true;
    }
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
  const roles = textRoles(sf, new Map(declaredRoles()));
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    const literal = literalText(node);
    if (literal !== undefined && looksLikeSentence(literal) && !allowedContext(node, roles)) {
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
  it('no module whose text reaches a chat user holds a sentence literal: every sentence a user reads comes from WORDING', () => {
    const files = sources('src').filter((f) => !exempt(f));
    // The chat adapters and the core they pass words on from (images, settings, requests, jobs, presets).
    for (const dir of ['src/chat/', 'src/images/', 'src/settings/', 'src/requests/', 'src/jobs/', 'src/presets/', 'src/engine/']) {
      expect(files.filter((f) => f.startsWith(dir)).length, dir).toBeGreaterThan(3);
    }
    expect(files.length).toBeGreaterThan(150);
    expect(files.flatMap((f) => sentenceLiterals(f))).toEqual([]);
  });

  it('every exemption names a file or folder that exists', () => {
    expect(Object.keys(EXEMPT).filter((e) => !existsSync(e))).toEqual([]);
  });

  it('the user text of an error is checked, its operator text is not', () => {
    const probe = [
      'class ShownError extends Error { constructor(code: string, userMessage: string, detail?: string) { super(detail ?? userMessage); } }',
      "throw new ShownError('too-big', 'That image is far too large.', 'image is 9000x9000 px > 50e6.');",
      "throw new ShownError('too-big', WORDING.imageOverPixelLimit, 'image is 9000x9000 px > 50e6.');",
      "const failed = (detail: string) => new ShownError('corrupt', WORDING.imageDamaged, detail);",
      "throw failed('libvips: premature end of JPEG file. Truncated?');",
      "throw new SettingsError('uploads must be on or off.');",
      "redis.eval(`-- KEYS: 1 blob. ARGV: 1 bytes\nreturn redis.call('GET', KEYS[1])`, 1, key);",
    ].join('\n');
    expect(sentenceLiterals('probe.ts', probe)).toEqual(['probe.ts:2: "That image is far too large."', 'probe.ts:6: "uploads must be on or off."']);
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
