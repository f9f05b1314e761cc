// What every part of the running registry shares: configuration, secrets, the logger and the four backends.
// Built once at start (main.ts, or a test helper) and passed explicitly.
import type { Backends } from './backends.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { Secrets } from './secrets.js';

export interface Context extends Backends {
  config: Config;
  secrets: Secrets;
  logger: Logger;
}
