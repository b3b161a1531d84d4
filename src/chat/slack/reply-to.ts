/**
 * The Slack routing data a StyleRequest carries (`replyTo`), returned untouched with each job event.
 */
import { z } from 'zod';

export const SlackReplyTo = z.object({
  channel: z.string().min(1),
  /** The thread the status message and the result go into. */
  threadTs: z.string().min(1),
  /** Easel's status message in that thread, updated with chat.update. */
  statusTs: z.string().min(1),
  userId: z.string().min(1),
  /**
   * The workspace (distribution mode: whose token delivers the result, looked up at delivery time),
   * and on Enterprise Grid its org; `enterpriseInstall`: installed org-wide (the org's token).
   */
  teamId: z.string().min(1).optional(),
  enterpriseId: z.string().min(1).optional(),
  enterpriseInstall: z.boolean().optional(),
});
export type SlackReplyTo = z.infer<typeof SlackReplyTo>;
