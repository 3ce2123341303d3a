import type { Command } from 'commander';
import type { RunningPavise } from '../app.js';
import { loadConfig } from '../config/config.js';

/**
 * A second signal this soon after the first is the same request delivered twice, not an
 * insistence: Ctrl-C reaches the whole process group and npm passes it on as well, and systemd
 * signals every process of the service while npm relays its own copy.
 */
const REPEAT_WINDOW_MS = 1_000;
const PARENT_CHECK_MS = 500;

/**
 * Under npm (`npm start`, `npx pavise serve`) the server lives as long as the npm process that
 * started it: when npm is gone without passing a signal on (killed with SIGKILL, or a shell in
 * between that died of the signal instead of forwarding it), the server stops as well rather
 * than stay behind holding the port and the data directory. Outside npm a parent's exit means
 * nothing (`nohup pavise serve &`).
 */
function watchParent(onGone: () => void): void {
  if (!process.env.npm_lifecycle_event) return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, PARENT_CHECK_MS);
  timer.unref();
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'Start the Pavise server (what `npm start` runs). Configured by PAVISE_* environment variables; see the README.',
    )
    .action(async () => {
      const config = loadConfig();
      let pavise: RunningPavise | undefined;
      let stopping: { at: number; fields: Record<string, string> } | undefined;

      const exit = (code: number) => {
        pavise?.logger.flush();
        process.exit(code);
      };
      const shutDown = (running: RunningPavise, fields: Record<string, string>) => {
        running.logger.info(fields, 'shutting down: finishing in-flight requests');
        running.close().then(
          () => {
            running.logger.info('stopped');
            exit(0);
          },
          (error: unknown) => {
            running.logger.error({ err: error }, 'shutdown failed');
            exit(1);
          },
        );
      };
      const stop = (fields: Record<string, string>) => {
        if (stopping) {
          if (Date.now() - stopping.at < REPEAT_WINDOW_MS) return;
          if (pavise) pavise.logger.warn(fields, 'second signal: exiting without waiting');
          else process.stderr.write('pavise: second signal: exiting without waiting\n');
          exit(1);
        }
        stopping = { at: Date.now(), fields };
        // A signal during start-up is answered as soon as the server is up (see below).
        if (pavise) shutDown(pavise, fields);
      };
      // Installed before starting, so that a signal during a long first start (creating the
      // embedded database) closes the database cleanly instead of killing the process mid-write.
      process.on('SIGTERM', () => stop({ signal: 'SIGTERM' }));
      process.on('SIGINT', () => stop({ signal: 'SIGINT' }));
      watchParent(() => stop({ reason: 'the npm process that started the server exited' }));

      const { startPavise } = await import('../app.js');
      pavise = await startPavise(config);
      if (stopping) shutDown(pavise, stopping.fields);
    });
}
