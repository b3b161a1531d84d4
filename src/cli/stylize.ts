// Placeholder until this command lands (see the issue that owns it); replaced, not extended.
export async function runStylize(_content: string, _opts: unknown): Promise<void> {
  throw new Error('easel stylize: not implemented yet');
}
