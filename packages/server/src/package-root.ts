import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The @pavise/server package folder, found the same way from src/ (tsx) and dist/src/ (compiled). */
function findPackageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('package.json of @pavise/server not found');
    dir = parent;
  }
  return dir;
}

export const packageRoot = findPackageRoot();
