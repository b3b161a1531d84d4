/**
 * Block Kit for every message and modal Easel shows in Slack. Pure functions: data in, JSON out.
 * Wording shared with Discord comes from ../common/text.ts; only Slack's formatting lives here.
 */
import type { webApi } from '@slack/bolt';
import { presetLabel, type Preset } from '../../presets/index.ts';
import type { RequestOptions } from '../../requests/style-request.ts';
import { VARIATION_EMOJI, variationLabel, type Variation } from '../../requests/variations.ts';
import { IMAGE_EXTENSIONS } from './files.ts';
import { OPTIONS_EXAMPLE, OPTIONS_HELP, formatOptions } from './options.ts';
import { WORDING } from '../../requests/wording.ts';

type KnownBlock = webApi.KnownBlock;
type ModalView = webApi.ModalView;

export const ACTION = {
  openModal: 'easel_open_modal',
  cancel: 'easel_cancel',
  /** `easel_vary_<variation>` (requests/variations.ts), one action id per button. */
  varyPrefix: 'easel_vary_',
  anotherStyle: 'easel_another_style',
  higherQuality: 'easel_hq',
  delete: 'easel_delete',
} as const;

export const MODAL_CALLBACK_ID = 'easel_stylize';
export const MODAL_BLOCK = { photo: 'photo', styleImage: 'style_image', preset: 'preset', options: 'options' } as const;
export const MODAL_INPUT = { file: 'file', select: 'select', text: 'text' } as const;

/** What a modal remembers between opening and submission (Slack's private_metadata, ≤ 3000 chars). */
export interface ModalContext {
  channel: string;
  /** The prompt thread to answer in; absent = a new message in the channel. */
  threadTs?: string;
}

const mrkdwn = (text: string) => ({ type: 'mrkdwn' as const, text });
const plain = (text: string) => ({ type: 'plain_text' as const, text, emoji: true });

// ── prompt of `/stylize <preset>` ──────────────────────────────────────────────────────────────

export interface PromptButtonValue {
  presetId: string;
  options: RequestOptions;
}

/** `mixedWith`: a second painting mixed in (`mix` = the first's share); the thread's photos get the mix. */
export function promptMessage(userId: string, preset: Preset, options: RequestOptions, mixedWith?: { preset: Preset; mix: number }): { text: string; blocks: KnownBlock[] } {
  const opts = formatOptions(options);
  const title = mixedWith ? `${preset.title} + ${mixedWith.preset.title} (${Math.round(mixedWith.mix * 100)}/${Math.round((1 - mixedWith.mix) * 100)})` : preset.title;
  const text = WORDING.replyWithPhoto(`<@${userId}>`, title, opts);
  const value: PromptButtonValue = { presetId: preset.id, options };
  return {
    text,
    blocks: [
      { type: 'section', text: mrkdwn(`🎨 ${text}`) },
      { type: 'context', elements: [mrkdwn(presetLabel(preset))] },
      {
        type: 'actions',
        elements: [{ type: 'button', action_id: ACTION.openModal, text: plain(WORDING.choosePhoto), value: JSON.stringify(value) }],
      },
    ],
  };
}

// ── the status message of a job ────────────────────────────────────────────────────────────────

/** The Cancel button's value: the job (whose it is, the job's own record says). */
export interface CancelButtonValue {
  jobId: string;
}

/** The status text, with a Cancel button while the job can still be cancelled. */
export function statusBlocks(text: string, cancel?: CancelButtonValue): KnownBlock[] {
  const blocks: KnownBlock[] = [{ type: 'section', text: mrkdwn(text) }];
  if (cancel) {
    blocks.push({
      type: 'actions',
      elements: [{ type: 'button', action_id: ACTION.cancel, text: plain('Cancel'), style: 'danger', value: JSON.stringify(cancel) }],
    });
  }
  return blocks;
}

// ── the finished result ───────────────────────────────────────────────────────────────────────

/**
 * A follow-up button's value (a variation, Higher quality): the recipe blob's key (the recipe itself
 * stays in Redis). The "Another style" select carries it in its block id instead.
 */
export interface RecipeButtonValue {
  recipeKey: string;
}

/** The block of a result's "Another style" select and first buttons: its id carries the recipe key. */
export const RESULT_BLOCK_PREFIX = 'easel_result:';

/**
 * The Delete button's value: the job, for the logs. Which result it is and whose, Easel's record of
 * the message the button sits on says (jobs.resultAt) — a button's value is never trusted for that.
 */
export interface DeleteButtonValue {
  jobId: string;
}

export interface ResultButtons {
  /** The recipe blob's key; without it (not stored) only Delete is offered. */
  recipeKey: string | undefined;
  /** The presets "Another style" offers (the result's own left out). */
  presets: readonly Preset[];
  canGoHigher: boolean;
  variations: readonly Variation[];
  options: RequestOptions;
  delete: DeleteButtonValue;
}

/**
 * The final status: its text, then (as on Discord) an "Another style" select, Higher quality and
 * Reroll; then Stronger, Subtler, Keep colours and Delete.
 */
export function resultBlocks(text: string, b: ResultButtons): KnownBlock[] {
  const recipeKey = b.recipeKey;
  const value = recipeKey ? JSON.stringify({ recipeKey } satisfies RecipeButtonValue) : '';
  const button = (actionId: string, label: string) => ({ type: 'button' as const, action_id: actionId, text: plain(label), value });
  const variation = (v: Variation) => (recipeKey && b.variations.includes(v) ? [button(`${ACTION.varyPrefix}${v}`, `${VARIATION_EMOJI[v]} ${variationLabel(v, b.options)}`)] : []);
  const first = recipeKey
    ? [
        ...(b.presets.length
          ? [{ type: 'static_select' as const, action_id: ACTION.anotherStyle, placeholder: plain('🎨 Another style'), options: b.presets.slice(0, 100).map((p) => ({ text: plain(presetLabel(p, 75)), value: p.id })) }]
          : []),
        ...(b.canGoHigher ? [button(ACTION.higherQuality, '✨ Higher quality')] : []),
        ...variation('reroll'),
      ]
    : [];
  const del = { type: 'button' as const, action_id: ACTION.delete, text: plain('🗑️ Delete'), style: 'danger' as const, value: JSON.stringify(b.delete) };
  const second = [...variation('stronger'), ...variation('subtler'), ...variation('colours'), del];
  return [
    { type: 'section', text: mrkdwn(text) },
    ...(first.length ? [{ type: 'actions' as const, block_id: `${RESULT_BLOCK_PREFIX}${recipeKey}`, elements: first }] : []),
    { type: 'actions', elements: second },
  ];
}

// ── the modal ──────────────────────────────────────────────────────────────────────────────────

export interface ModalInit {
  presets: readonly Preset[];
  selectedPresetId?: string;
  options?: RequestOptions;
  context: ModalContext;
}

export function stylizeModal(init: ModalInit): ModalView {
  // Slack caps an option's text at 75 characters.
  const presetOption = (p: Preset) => ({ text: plain(presetLabel(p, 75)), value: p.id });
  const selected = init.presets.find((p) => p.id === init.selectedPresetId);
  const optionsText = init.options ? formatOptions(init.options) : '';
  return {
    type: 'modal',
    callback_id: MODAL_CALLBACK_ID,
    private_metadata: JSON.stringify(init.context),
    title: plain('Paint a photo'),
    submit: plain('Paint it'),
    close: plain('Cancel'),
    blocks: [
      {
        type: 'input',
        block_id: MODAL_BLOCK.photo,
        label: plain('Your photo'),
        element: { type: 'file_input', action_id: MODAL_INPUT.file, filetypes: IMAGE_EXTENSIONS, max_files: 1 },
      },
      {
        type: 'input',
        block_id: MODAL_BLOCK.preset,
        optional: true,
        label: plain('Style'),
        hint: plain(WORDING.modalPresetHint),
        element: {
          type: 'static_select',
          action_id: MODAL_INPUT.select,
          placeholder: plain('Choose a painting'),
          options: init.presets.slice(0, 100).map(presetOption),
          ...(selected ? { initial_option: presetOption(selected) } : {}),
        },
      },
      {
        type: 'input',
        block_id: MODAL_BLOCK.styleImage,
        optional: true,
        label: plain('Style image (instead of a painting)'),
        element: { type: 'file_input', action_id: MODAL_INPUT.file, filetypes: IMAGE_EXTENSIONS, max_files: 1 },
      },
      {
        type: 'input',
        block_id: MODAL_BLOCK.options,
        optional: true,
        label: plain('Options'),
        hint: plain('strength=0…1 · size=px · quality=fast|draft|balanced|best · colors (keep your colours) · seed=n'),
        element: {
          type: 'plain_text_input',
          action_id: MODAL_INPUT.text,
          placeholder: plain(OPTIONS_EXAMPLE),
          ...(optionsText ? { initial_value: optionsText } : {}),
        },
      },
    ],
  };
}

// ── help ───────────────────────────────────────────────────────────────────────────────────────

export function helpText(presets: readonly Preset[]): string {
  const list = presets.map((p) => `• \`${p.id}\` — ${presetLabel(p)}`).join('\n');
  return [
    ...WORDING.slackHelp,
    '',
    '*Styles*',
    list,
    '',
    '*Options*',
    ...OPTIONS_HELP.map((l) => `• ${l}`),
    `e.g. \`/stylize ${presets[0]?.id ?? 'starry-night'} ${OPTIONS_EXAMPLE}\``,
  ].join('\n');
}
