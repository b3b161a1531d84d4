// Placeholder until this command lands (see the issue that owns it); replaced, not extended.
export async function runDeployCommands(): Promise<void> {
  throw new Error('easel deploy-commands: not implemented yet');
}
