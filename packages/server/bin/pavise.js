#!/usr/bin/env node
// The compiled CLI lives in dist/ (built by `npm install` / `npm run build`); this shim keeps the
// bin path stable so npm can link it before the first build, and rebuilds dist/ first when it is
// missing or older than the sources (see ensure-built.js), so every way of starting Pavise runs
// the current code without compiling on every start.
import { ensureBuilt } from './ensure-built.js';

ensureBuilt();
await import('../dist/src/cli/main.js');
