// Placeholder until this command lands (see the issue that owns it); replaced, not extended.
export async function runServe(_opts: { bot: boolean; worker: boolean; concurrency?: number }): Promise<void> {
  throw new Error('easel serve: not implemented yet');
}
