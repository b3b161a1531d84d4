// Placeholder until this command lands (see the issue that owns it); replaced, not extended.
export async function runDemo(_opts: unknown): Promise<void> {
  throw new Error('easel demo: not implemented yet');
}
