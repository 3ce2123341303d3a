import os from 'node:os';
import { AuthService } from '../../../../packages/server/dist/src/auth/service.js';
import { randomPassword } from '../../../../packages/server/dist/src/auth/tokens.js';
import { loadConfig } from '../../../../packages/server/dist/src/config/config.js';
import { openDatabase } from '../../../../packages/server/dist/src/db/open.js';

/** A user made with Pavise's own auth service on the bench's database, and a PAT valid for a day. */
export async function createUserWithPat(databaseUrl: string, email: string): Promise<string> {
  const config = loadConfig({ DATABASE_URL: databaseUrl }, os.tmpdir());
  const db = await openDatabase(config);
  try {
    const auth = await AuthService.create(db, config);
    const user = await auth.createUser({ email, password: randomPassword(), emailVerified: true });
    return (await auth.createPat(user.id, new Date(Date.now() + 86_400_000))).personalAccessToken;
  } finally {
    await db.close();
  }
}
