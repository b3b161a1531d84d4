// Placeholder until this command lands (see the issue that owns it); replaced, not extended.
export async function runStyles(_opts: unknown): Promise<void> {
  throw new Error('easel styles: not implemented yet');
}
