#!/usr/bin/env node
// `sounio`: the registry client. Exit codes: 0 success, 1 failure, 2 usage error.
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { accountCommands } from './commands/account.js';
import { discoveryCommands } from './commands/discovery.js';
import { installCommands } from './commands/install.js';
import { ownershipCommands } from './commands/ownership.js';
import { publishingCommands } from './commands/publishing.js';
import { tokenCommands } from './commands/tokens.js';
import { CliError, formatError } from './errors.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

function buildProgram(): Command {
  const program = new Command('sounio')
    .description('Client for the Sounio package registry: log in, publish, find and manage packages.')
    .version(version)
    .addOption(new Option('--registry <url>', 'the registry (default: $SOUNIO_REGISTRY, the saved default, or http://localhost:3000)'))
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .addHelpText('after', '\nGetting started:\n  $ sounio login            # with a token from <registry>/settings/tokens\n  $ sounio publish --dry-run\n  $ sounio publish');
  accountCommands(program);
  publishingCommands(program);
  ownershipCommands(program);
  discoveryCommands(program);
  installCommands(program);
  tokenCommands(program);
  // Every subcommand reports usage errors through the same exit path as the program.
  const override = (command: Command): void => {
    for (const sub of command.commands) {
      sub.exitOverride().showHelpAfterError('(add --help for usage)');
      override(sub);
    }
  };
  override(program);
  return program;
}

try {
  const program = buildProgram();
  if (process.argv.length <= 2) {
    program.outputHelp();
  } else {
    await program.parseAsync(process.argv);
  }
} catch (error) {
  if (error instanceof CommanderError) {
    // --help and --version end through here with code 0; everything else commander refuses is a usage error.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (error instanceof CliError) {
    process.stderr.write(formatError(error));
    process.exitCode = error.exitCode;
  } else {
    process.stderr.write(`error: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  }
}
