#!/usr/bin/env node
// The compiled CLI lives in dist/ (built by `npm install` / `npm run build`); this shim keeps the
// bin path stable so npm can link it before the first build.
import '../dist/src/cli/main.js';
