import type { Command } from 'commander';
import { startPavise } from '../app.js';
import { loadConfig } from '../config/config.js';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'Start the Pavise server (what `npm start` runs). Configured by PAVISE_* environment variables; see the README.',
    )
    .action(async () => {
      const config = loadConfig();
      const pavise = await startPavise(config);
      let stopping = false;
      const stop = (signal: NodeJS.Signals) => {
        if (stopping) {
          pavise.logger.warn({ signal }, 'second signal: exiting without waiting');
          pavise.logger.flush();
          process.exit(1);
        }
        stopping = true;
        pavise.logger.info({ signal }, 'shutting down: finishing in-flight requests');
        const exit = (code: number) => {
          pavise.logger.flush();
          process.exit(code);
        };
        pavise.close().then(
          () => {
            pavise.logger.info('stopped');
            exit(0);
          },
          (error: unknown) => {
            pavise.logger.error({ err: error }, 'shutdown failed');
            exit(1);
          },
        );
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
}
