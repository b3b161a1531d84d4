/**
 * Every command Easel registers on Discord, one file each (definition + handler). `easel
 * deploy-commands` registers `commands.map((c) => c.data.toJSON())`; the adapter routes by name.
 */
import type { CommandModule } from '../handler.ts';
import { command as stylize } from './stylize.ts';
import { command as styles } from './styles.ts';
import { command as stylizeImage } from './stylize-image.ts';
import { command as easelSettings } from './easel-settings.ts';

export const commands: readonly CommandModule[] = [stylize, styles, stylizeImage, easelSettings];
