// Placeholder until this command lands (see the issue that owns it); replaced, not extended.
export async function runBench(_opts: unknown): Promise<void> {
  throw new Error('easel bench: not implemented yet');
}
