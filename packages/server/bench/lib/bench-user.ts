import os from 'node:os';
import { AuthService } from '../../src/auth/service.js';
import { randomPassword } from '../../src/auth/tokens.js';
import { loadConfig } from '../../src/config/config.js';
import { openDatabase } from '../../src/db/open.js';

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
