/**
 * Submission of the "Paint a photo" modal. Cheap checks (a photo, an image type, the size cap, a
 * style, the options) answer in the ack as errors beside the fields, so the user fixes them in
 * place; then the modal closes and the job starts in the prompt's thread (or a new message).
 */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { WORDING } from '../../../../requests/wording.ts';
import { MODAL_BLOCK, MODAL_INPUT, type ModalContext } from '../../blocks.ts';
import type { SlackContext } from '../../context.ts';
import { fileProblem, slackFiles } from '../../files.ts';
import { parseStylizeText } from '../../options.ts';
import { resolvePreset } from '../../presets.ts';
import { startJob, type StyleSource } from '../../start-job.ts';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

export function stylizeModalSubmitted(ctx: SlackContext) {
  return async ({ ack, view, body, client }: Args): Promise<void> => {
    const values = view.state.values;
    const maxBytes = ctx.config.limits.maxUploadBytes;
    const [photo] = slackFiles(values[MODAL_BLOCK.photo]?.[MODAL_INPUT.file]?.files);
    const [styleFile] = slackFiles(values[MODAL_BLOCK.styleImage]?.[MODAL_INPUT.file]?.files);
    const presetId = values[MODAL_BLOCK.preset]?.[MODAL_INPUT.select]?.selected_option?.value;
    const parsed = parseStylizeText(values[MODAL_BLOCK.options]?.[MODAL_INPUT.text]?.value ?? '');
    const preset = presetId ? resolvePreset(ctx.presets, presetId) : undefined;

    const errors: Record<string, string> = {};
    const photoProblem = photo ? fileProblem(photo, maxBytes) : WORDING.noPhoto;
    if (photoProblem) errors[MODAL_BLOCK.photo] = photoProblem;
    const styleProblem = styleFile ? fileProblem(styleFile, maxBytes) : undefined;
    if (styleProblem) errors[MODAL_BLOCK.styleImage] = styleProblem;
    if (!styleFile && !preset) errors[MODAL_BLOCK.preset] = WORDING.noStyle;
    const optionProblems = [...parsed.problems, ...(parsed.presetToken || parsed.keyword ? [WORDING.notUnderstoodHere(parsed.presetToken ?? parsed.keyword!)] : [])];
    if (optionProblems.length > 0) errors[MODAL_BLOCK.options] = optionProblems.join(' ');
    const context = parseContext(view.private_metadata);
    if (!context) errors[MODAL_BLOCK.photo] = WORDING.expired;

    if (Object.keys(errors).length > 0 || !photo || !context) {
      await ack({ response_action: 'errors', errors });
      return;
    }
    await ack();

    const style: StyleSource = styleFile ? { kind: 'file', file: styleFile } : { kind: 'preset', presetId: (preset as { id: string }).id };
    const user = body.user.id;
    const notify = async (text: string) => {
      await client.chat.postEphemeral({ channel: context.channel, user, text, thread_ts: context.threadTs });
    };
    ctx.background('modal', () =>
      startJob(ctx, { requestId: view.id, user: { id: user, name: body.user.name }, team: body.team?.id ?? body.user.team_id, channel: context.channel, threadTs: context.threadTs, photo, style, options: parsed.options }, notify),
    );
  };
}

function parseContext(raw: string): ModalContext | undefined {
  try {
    const c = JSON.parse(raw) as Partial<ModalContext>;
    return typeof c.channel === 'string' ? { channel: c.channel, threadTs: typeof c.threadTs === 'string' ? c.threadTs : undefined } : undefined;
  } catch {
    return undefined;
  }
}
