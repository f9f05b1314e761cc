#!/usr/bin/env node
// `sounio`: the registry client. Its commands (login, publish, search, install ...) arrive with the CLI issue;
// this entry point already answers --help and --version.
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('sounio')
  .description('Client for the Sounio package registry.')
  .version(version)
  .exitOverride()
  .action(() => program.help());

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  throw error;
}
